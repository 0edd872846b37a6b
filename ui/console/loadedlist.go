package console

import (
	"context"
	"fmt"
	"slices"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// loadedList is an admin pane's list, read whole from the backend: the
// spinner while it loads, the error line, and the cursor kept on the same
// item (by key) when the list is read again after a save or a refresh. The
// Operators and Tenants panes embed it and draw the rows themselves.
type loadedList[T any] struct {
	listWindow
	items   []T
	loaded  bool
	loading bool
	err     string
	loader  call[[]T]
	spin    spinner.Model

	noun  string // what the list holds, for its error line: "operators"
	keyOf func(T) string
	read  func(ctx context.Context, b Backend, actor model.Actor) ([]T, error)
}

func newLoadedList[T any](ctx *Context, noun string, keyOf func(T) string,
	read func(context.Context, Backend, model.Actor) ([]T, error)) loadedList[T] {
	return loadedList[T]{noun: noun, keyOf: keyOf, read: read,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Theme.Spinner))}
}

// activate reads the list the first time its tab is shown.
func (l *loadedList[T]) activate(ctx *Context) tea.Cmd {
	if l.loaded || l.loading {
		return nil
	}
	return l.reload(ctx)
}

// reloadIfShown reads the list again once it has been read at all: a tab
// never opened stays unread.
func (l *loadedList[T]) reloadIfShown(ctx *Context) tea.Cmd {
	if l.loaded || l.loading {
		return l.reload(ctx)
	}
	return nil
}

func (l *loadedList[T]) reload(ctx *Context) tea.Cmd {
	l.loading, l.err = true, ""
	return tea.Batch(l.loader.start(ctx, l.read), l.spin.Tick)
}

func (l *loadedList[T]) selected() (T, bool) {
	if l.cursor < 0 || l.cursor >= len(l.items) {
		var none T
		return none, false
	}
	return l.items[l.cursor], true
}

// update takes the list's own messages — its read's result, the spinner,
// the theme — and reports whether msg was one of them.
func (l *loadedList[T]) update(ctx *Context, msg tea.Msg, rows int) (tea.Cmd, bool) {
	if items, err, ok := l.loader.accept(msg); ok {
		l.loading = false
		if err != nil {
			l.err = "could not load the " + l.noun
			return ctx.Error(fmt.Sprintf("%s: %s — press %s to retry", l.noun, errText(err), ctx.keyFor(keymap.Refresh))), true
		}
		keep := ""
		if it, ok := l.selected(); ok {
			keep = l.keyOf(it)
		}
		l.items, l.loaded = items, true
		l.selectRow(slices.IndexFunc(items, func(it T) bool { return l.keyOf(it) == keep }), len(items), rows)
		return nil, true
	}
	switch msg := msg.(type) {
	case themeMsg:
		l.spin.Style = ctx.Theme.Spinner
		return nil, true
	case spinner.TickMsg:
		return spinWhile(l.loading, &l.spin, msg), true
	}
	return nil, false
}
