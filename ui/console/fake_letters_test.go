package console

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// fakeLetters renders a fixed letter per kind from the fake's requests,
// keeps the rules the store keeps (the kind must fit the request, the
// sender may send it, only those who may see PI draft or edit) and
// remembers what was queued.
type fakeLetters struct {
	*fakeData
	queued []model.Message
}

func (f *fakeLetters) render(actor model.Actor, id string, k model.LetterKind) (model.Letter, model.Request, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.request(id)
	if !ok {
		return model.Letter{}, r, fmt.Errorf("request %s not found", id)
	}
	if err := model.LetterFits(k, r); err != nil {
		return model.Letter{}, r, err
	}
	return model.Letter{Kind: k, To: model.Recipient{Name: r.Requester.Name, Email: r.Requester.Email},
		Subject: "About your request " + r.ID,
		Body:    "Dear " + r.Requester.Name + ",\n\nThis is the " + string(k) + " letter.\n"}, r, nil
}

func (f *fakeLetters) PreviewLetter(_ context.Context, actor model.Actor, id string, k model.LetterKind) (model.Letter, error) {
	l, r, err := f.render(actor, id, k)
	if err != nil {
		return l, err
	}
	return model.MaskLetter(l, r), nil
}

func (f *fakeLetters) DraftLetter(_ context.Context, actor model.Actor, id string, k model.LetterKind) (model.Letter, error) {
	if !actor.Can(model.PermReveal) {
		return model.Letter{}, fmt.Errorf("refused: %s", actor.Refusal(model.PermReveal, "read a letter unmasked"))
	}
	l, _, err := f.render(actor, id, k)
	return l, err
}

func (f *fakeLetters) QueueLetter(ctx context.Context, actor model.Actor, id string, k model.LetterKind, from string) (model.Message, error) {
	l, _, err := f.render(actor, id, k)
	if err != nil {
		return model.Message{}, err
	}
	return f.queue(actor, id, k, l.Subject, l.Body)
}

func (f *fakeLetters) QueueEditedLetter(_ context.Context, actor model.Actor, id string, k model.LetterKind, from, subject, body string) (model.Message, error) {
	if !actor.Can(model.PermReveal) {
		return model.Message{}, fmt.Errorf("refused: edit a letter")
	}
	if _, _, err := f.render(actor, id, k); err != nil {
		return model.Message{}, err
	}
	subject, body, err := model.CheckEditedLetter(subject, body)
	if err != nil {
		return model.Message{}, err
	}
	return f.queue(actor, id, k, subject, body)
}

func (f *fakeLetters) queue(actor model.Actor, id string, k model.LetterKind, subject, body string) (model.Message, error) {
	if !actor.Can(model.LetterPermission(k)) {
		return model.Message{}, fmt.Errorf("refused: send a %s letter", k)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m := model.Message{ID: fmt.Sprintf("msg-%d", len(f.queued)+1), RequestID: id, Kind: k, Subject: subject,
		Raw: []byte(body), Status: model.MsgQueued, CreatedAt: time.Date(2026, 11, 2, 21, 0, 0, 0, time.UTC), SHA256: strings.Repeat("ab", 32)}
	f.queued = append(f.queued, m)
	return m, nil
}

func (f *fakeLetters) Messages(_ context.Context, _ model.Actor, id string) ([]model.Message, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []model.Message
	for _, m := range f.queued {
		if m.RequestID == id {
			m.Raw = nil
			out = append(out, m)
		}
	}
	return out, nil
}
