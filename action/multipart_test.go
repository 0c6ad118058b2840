package action_test

import (
	"io"
	"mime/multipart"
)

type multipartWriter struct{ w *multipart.Writer }

func newMultipart(w io.Writer) *multipartWriter { return &multipartWriter{w: multipart.NewWriter(w)} }

func (m *multipartWriter) contentType() string { return m.w.FormDataContentType() }

func (m *multipartWriter) write(action, params, filename string, r io.Reader) error {
	if err := m.w.WriteField("action", action); err != nil {
		return err
	}
	if err := m.w.WriteField("parameters", params); err != nil {
		return err
	}
	part, err := m.w.CreateFormFile("file", filename)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, r); err != nil {
		return err
	}
	return m.w.Close()
}
