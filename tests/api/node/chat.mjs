// A plain and a streamed completion with the official openai package; prints one JSON line.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.G4F_BASE_URL, apiKey: process.env.G4F_API_KEY || "unused", maxRetries: 0 });
const messages = [{ role: "user", content: "node says hi" }];

const whole = await client.chat.completions.create({ model: "echo-1", messages, provider: "MockEcho" });
const stream = await client.chat.completions.create({ model: "echo-1", messages, provider: "MockEcho", stream: true });
let streamed = "";
let finish = null;
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.delta?.content ?? "";
  finish = chunk.choices[0]?.finish_reason ?? finish;
}
let errorStatus = null;
try {
  await client.chat.completions.create({ model: "no-such-model-xyz", messages });
} catch (error) {
  errorStatus = error.status;
}
console.log(JSON.stringify({ whole: whole.choices[0].message.content, provider: whole.provider, streamed, finish, errorStatus }));
