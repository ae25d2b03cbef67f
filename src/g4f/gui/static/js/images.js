// Attached images: read as data URIs for OpenAI `image_url` parts, scaled down when large so the
// request and the browser store stay small.

const MAX_SIDE = 1600;
const MAX_BYTES = 1_500_000;

function readAsDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error ?? new Error("read failed"));
    reader.readAsDataURL(blob);
  });
}

/** Read an image File into {dataUrl, name, type}, re-encoding it as JPEG if it is too big. */
export async function readImageFile(file) {
  const bitmap = await createImageBitmap(file);
  const { width, height } = bitmap;
  if (file.size <= MAX_BYTES && Math.max(width, height) <= MAX_SIDE) {
    bitmap.close();
    return { dataUrl: await readAsDataUrl(file), name: file.name || "image", type: file.type };
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return { dataUrl: canvas.toDataURL("image/jpeg", 0.88), name: file.name || "image", type: "image/jpeg" };
}
