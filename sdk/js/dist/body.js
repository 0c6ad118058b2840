function isBinary(body) {
    return (body instanceof ArrayBuffer ||
        ArrayBuffer.isView(body) ||
        (typeof Blob !== "undefined" && body instanceof Blob));
}
function isFormLike(body) {
    return ((typeof FormData !== "undefined" && body instanceof FormData) ||
        (typeof URLSearchParams !== "undefined" && body instanceof URLSearchParams));
}
/**
 * encodeBody returns the fetch body for a `request` body and sets a
 * Content-Type on headers unless the caller set one: JSON for plain
 * values, the Blob's type or `application/octet-stream` for bytes, `auto`
 * for strings (the proxy infers JSON or text, as Paragon's SDK expects).
 */
export function encodeBody(body, headers) {
    if (body === undefined || body === null)
        return undefined;
    const set = (ct) => {
        if (!headers.has("Content-Type"))
            headers.set("Content-Type", ct);
    };
    if (typeof body === "string") {
        set("auto");
        return body;
    }
    if (isFormLike(body))
        return body;
    if (isBinary(body)) {
        const blobType = typeof Blob !== "undefined" && body instanceof Blob ? body.type : "";
        set(blobType || "application/octet-stream");
        return body;
    }
    set("application/json");
    return JSON.stringify(body);
}
/** True for `application/json` and `+json` media types. */
export function isJSON(contentType) {
    if (!contentType)
        return false;
    const mt = contentType.split(";")[0].trim().toLowerCase();
    return mt === "application/json" || mt.endsWith("+json");
}
/** decodeBody turns a successful response into what `request` returns. */
export async function decodeBody(res, type) {
    switch (type) {
        case "response":
            return res;
        case "text":
            return res.text();
        case "blob":
            return res.blob();
        case "arrayBuffer":
            return res.arrayBuffer();
        case "json": {
            const text = await res.text();
            return text ? JSON.parse(text) : undefined;
        }
    }
    if (res.status === 204 || res.status === 205)
        return undefined;
    if (isJSON(res.headers.get("Content-Type"))) {
        const text = await res.text();
        return text ? JSON.parse(text) : undefined;
    }
    const blob = await res.blob();
    return blob.size === 0 && !res.headers.get("Content-Type") ? undefined : blob;
}
