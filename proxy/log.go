package proxy

import (
	"log/slog"
)

func errAttr(err error) slog.Attr { return slog.String("err", err.Error()) }

func slogLevel(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
