"""``g4f "Your prompt"``: one answer on stdout; the prompt may come from stdin."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="g4f", description="Ask a model. Also: g4f api, g4f gui.")
    parser.add_argument("prompt", nargs="*", help="the prompt; read from stdin when absent or '-'")
    parser.add_argument("-m", "--model", default="", help="model name (default: the embedded local model)")
    parser.add_argument("-p", "--provider", default=None, help="provider name, e.g. Local or Groq")
    parser.add_argument("-s", "--system", default=None, help="a system prompt")
    parser.add_argument("--stream", action="store_true", help="print the answer as it arrives")
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--proxy", default=None, help="proxy for outbound requests ($G4F_PROXY)")
    parser.add_argument("--debug", action="store_true", help="verbose logs on stderr ($G4F_DEBUG)")
    parser.add_argument("--config", default=None, help="settings file ($G4F_CONFIG)")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    prompt = " ".join(args.prompt).strip()
    if not prompt or prompt == "-":
        prompt = sys.stdin.read().strip() if not sys.stdin.isatty() else ""
    if not prompt:
        print("g4f: error: no prompt given (pass it as an argument or on stdin)", file=sys.stderr)
        return 2
    from .. import config

    try:
        config.configure(config=args.config, proxy=args.proxy, debug=args.debug or None)
        proxy, debug_on = config.get("proxy"), config.get("debug")
    except config.ConfigError as error:
        print(f"g4f: error: {error}", file=sys.stderr)
        return 2
    if debug_on:
        from .. import debug

        debug.enable(True)
    from ..client import Client

    messages = ([{"role": "system", "content": args.system}] if args.system else []) + [
        {"role": "user", "content": prompt}
    ]
    client = Client(provider=args.provider, proxy=proxy)
    try:
        response = client.chat.completions.create(
            messages, args.model, stream=args.stream, max_tokens=args.max_tokens, temperature=args.temperature
        )
        if args.stream:
            for chunk in response:
                if chunk.choices and chunk.choices[0].delta.content:
                    sys.stdout.write(chunk.choices[0].delta.content)
                    sys.stdout.flush()
            sys.stdout.write("\n")
        else:
            print(response.choices[0].message.content or "")
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        message = " ".join(str(error).split())
        print(f"g4f: error: {type(error).__name__}: {message}", file=sys.stderr)
        return 1
    return 0
