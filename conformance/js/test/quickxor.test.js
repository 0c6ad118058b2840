// The test helper's QuickXorHash agrees with Microsoft's documented vectors,
// so the upload tests can compare the emulator's file.hashes against it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { quickXorHash } from "../harness.js";

test("quickXorHash matches the documented test vectors", () => {
  const vectors = [
    ["", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="],
    ["Sg==", "SgAAAAAAAAAAAAAAAQAAAAAAAAA="],
    ["tbQ=", "taAFAAAAAAAAAAAAAgAAAAAAAAA="],
  ];
  for (const [input, want] of vectors) {
    assert.equal(quickXorHash(Buffer.from(input, "base64")), want, `input ${input}`);
  }
});
