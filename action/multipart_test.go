package action_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"testing"
)

// multipartBody returns a multipart Save File body (parts action,
// parameters and file, the file's size bytes read from r as the body is
// sent) and its content type. Its length is known, as curl -F sends it.
func multipartBody(t testing.TB, params, filename string, r io.Reader) (io.Reader, string) {
	t.Helper()
	var head bytes.Buffer
	w := multipart.NewWriter(&head)
	must(t, "action part", w.WriteField("action", "ONEDRIVE_SAVE_FILE"))
	must(t, "parameters part", w.WriteField("parameters", params))
	_, err := w.CreateFormFile("file", filename)
	must(t, "file part", err)
	n := head.Len()
	must(t, "close", w.Close())
	tail := bytes.Clone(head.Bytes()[n:])
	head.Truncate(n)
	return io.MultiReader(&head, r, bytes.NewReader(tail)), w.FormDataContentType()
}
