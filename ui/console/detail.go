package console

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// requestLoad is what a detail pane's load read.
type requestLoad struct {
	req        model.Request
	subject    *model.Subject
	subjectErr error
	// limit is the two-per-12-months check with the earlier requests it
	// counts, when the backend offers it and the rule applies.
	limit *model.LimitResult
	// tenant is the request's tenant, whose zone its times are shown in.
	tenant model.Tenant
	// Letters — the request's messages; an error does not hide the request.
	messages    []model.Message
	messagesErr error
}

// detailPane shows everything recorded about one request, scrollable.
type detailPane struct {
	ctx *Context
	id  string

	// req is the request as stored, for the actions; view is how it is
	// shown, rebuilt whenever req changes.
	req        *model.Request
	view       *present.Request
	subject    *model.Subject
	subjectErr error
	limit      *model.LimitResult
	tenant     model.Tenant
	err        string
	loading    bool
	spin       spinner.Model
	vp         viewport.Model
	width      int
	height     int
	loader     call[requestLoad]
	// stale: changed elsewhere while a load was in flight (live.go).
	stale bool
	// Letters
	messages    []model.Message
	messagesErr error
}

// Close abandons a load still in flight when the pane leaves the screen.
func (p *detailPane) Close() { p.loader.cancel() }

func newDetailPane(ctx *Context, id string) *detailPane {
	p := &detailPane{
		ctx:  ctx,
		id:   id,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Theme.Spinner)),
		vp:   viewport.New(),
	}
	// The pane maps keys itself from the keymap; viewport's built-in keys
	// (space, f, d, u…) would silently claim keys the keymap may give to
	// other actions.
	p.vp.KeyMap = viewport.KeyMap{}
	p.vp.MouseWheelEnabled = false
	return p
}

func (p *detailPane) Title() string { return model.CleanLine(p.id) }

func (p *detailPane) Init() tea.Cmd { return p.load() }

func (p *detailPane) Capturing() bool { return false }

func (p *detailPane) HelpGroups() []string {
	return []string{keymap.GroupDetail, keymap.GroupRequest, keymap.GroupFulfil}
}

func (p *detailPane) keyPane() keymap.Pane { return keymap.PaneDetail }

func (p *detailPane) hintedRequest() (model.Request, bool) {
	if p.req == nil {
		return model.Request{}, false
	}
	return *p.req, true
}

func (p *detailPane) KeyHelp() []key.Binding {
	out := p.ctx.Keys.ShortHelp(keymap.Back)
	if p.req != nil {
		// What a request waiting on its processors needs comes first.
		out = append(out, settleHelp(p.ctx, *p.req)...)
		out = append(out, deliveryHelp(p.ctx, *p.req)...)
		out = append(out, actionHints(p.ctx, *p.req)...)
	}
	return append(out, p.ctx.Keys.ShortHelp(keymap.Down, keymap.Up, keymap.PageDown)...)
}

func (p *detailPane) load() tea.Cmd {
	p.loading = true
	p.err = ""
	id := p.id
	// setTenants replaces the map rather than writing to it, so the Cmd may
	// read this one while Update moves on.
	tenants := p.ctx.tenants
	fetch := p.loader.start(p.ctx, func(ctx context.Context, backend Backend, actor model.Actor) (requestLoad, error) {
		r, err := backend.Request(ctx, actor, id)
		if err != nil {
			return requestLoad{}, err
		}
		t, ok := tenants[r.TenantID]
		if !ok {
			t = model.Tenant{ID: r.TenantID, Name: r.TenantID}
		}
		msg := requestLoad{req: r, tenant: t}
		msg.messages, msg.messagesErr = backend.Messages(ctx, actor, id)
		if r.SubjectID != "" {
			// One subject by _id is the lookup the embedded database serves
			// without scanning every subject.
			// A subject that cannot be read does not hide the request: the
			// detail says why the subject is missing instead.
			s, err := backend.Subject(ctx, actor, r.SubjectID)
			if err != nil {
				msg.subjectErr = err
			} else {
				msg.subject = &s
			}
			// The earlier requests behind a limit flag.
			if model.CheckKnowLimit(r, nil).Applies {
				if lim, err := backend.KnowLimit(ctx, actor, r.ID); err == nil {
					msg.limit = &lim
				}
			}
		}
		return msg, nil
	})
	return tea.Batch(fetch, p.spin.Tick)
}

func (p *detailPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.vp.SetWidth(w)
	p.vp.SetHeight(max(1, h-2))
	p.render()
}

func (p *detailPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if got, err, ok := p.loader.accept(msg); ok {
		p.loading = false
		if err != nil {
			p.err = errText(err)
			return p, p.ctx.Error(fmt.Sprintf("%s: %s — %s goes back, %s retries", p.Title(), p.err, p.ctx.keyFor(keymap.Back), p.ctx.keyFor(keymap.Refresh)))
		}
		p.subject, p.subjectErr, p.limit, p.tenant = got.subject, got.subjectErr, got.limit, got.tenant
		p.messages, p.messagesErr = got.messages, got.messagesErr
		p.show(got.req)
		if p.stale {
			p.stale = false
			return p, p.load()
		}
		return p, nil
	}
	switch msg := msg.(type) {
	case tenantsReadyMsg:
		return p, p.load()
	case letterQueuedMsg:
		if msg.id == p.id {
			return p, p.load()
		}
	case liveChangedMsg:
		if _, ok := msg.byOthers[p.id]; ok {
			if p.loading {
				p.stale = true // the read in flight may predate the change
				return p, nil
			}
			return p, p.load()
		}
	case requestChangedMsg:
		// An action saved from here (or over here) shows at once.
		if msg.req.ID == p.id && p.req != nil && msg.req.Version >= p.req.Version {
			r := msg.req
			if len(r.History) == 0 && len(p.req.History) > 0 {
				return p, p.load() // a list row, not the whole request: read it
			}
			p.show(r)
		}
	case themeMsg:
		p.spin.Style = p.ctx.Theme.Spinner
		p.render()
	case spinner.TickMsg:
		return p, spinWhile(p.loading, &p.spin, msg)
	case tea.KeyPressMsg:
		k := p.ctx.Keys
		switch {
		case scrollViewport(k, msg, &p.vp):
		case k.Matches(msg, keymap.SettleProcessor) && p.req != nil:
			t := model.Tenant{ID: p.req.TenantID}
			if p.tenant.ID != "" {
				t = p.tenant
			}
			return p, openSettle(p.ctx, *p.req, t)
		case k.Matches(msg, keymap.Delivery) && p.req != nil:
			return p, openDelivery(p.ctx, *p.req)
		default:
			if ka, ok := requestActionKey(k, msg); ok && p.req != nil {
				r := *p.req
				return p, openActionCmd(ka, p.id, &r)
			}
			// Letters
			if composeKey(k, msg) && p.req != nil {
				r := *p.req
				return p, openLetterCmd(p.id, &r, "", nil)
			}
			// Fulfilment — the plan view and the run read the
			// request themselves.
			if ka, ok := fulfilActionKey(k, msg); ok {
				return p, openFulfilCmd(ka, p.id, nil)
			}
		}
	}
	return p, nil
}

func (p *detailPane) View() string {
	th := p.ctx.Theme
	title := th.Crumb.Render(truncate(" "+p.heading(), p.width))
	var body string
	switch {
	case p.req == nil && p.loading:
		body = " " + p.spin.View() + " loading " + p.Title() + "…"
	case p.req == nil && p.err != "":
		body = th.Error.Render(truncate(" could not load "+p.Title()+": "+p.err, p.width)) +
			"\n" + th.Dim.Render(" "+p.ctx.keyFor(keymap.Back)+" goes back · "+p.ctx.keyFor(keymap.Refresh)+" retries")
	case p.req == nil:
		body = ""
	default:
		body = p.vp.View()
	}
	body = fitLines(body, p.width, max(1, p.height-2))
	// The keys are on the status line already; the foot only says what
	// the status line cannot.
	foot := ""
	switch c, changed := p.ctx.changedBy(p.id); {
	case p.loading && p.req != nil:
		foot = " " + p.spin.View() + " refreshing"
	case changed:
		foot = " " + liveGlyph + " just changed by " + model.CleanLine(c.Actor) + " (" + model.CleanLine(strings.ReplaceAll(c.Action, "_", " ")) + ")"
	default:
		if age := p.ctx.liveAge(); age != "" {
			foot = " " + age
		}
	}
	right := ""
	if p.req != nil {
		right = fmt.Sprintf("%3.0f%% ", p.vp.ScrollPercent()*100)
	}
	return title + "\n" + body + "\n" + th.Dim.Render(spread(foot, right, p.width))
}

func (p *detailPane) heading() string {
	if p.view == nil {
		return "Request " + p.Title()
	}
	v := p.view
	parts := []string{v.ID, model.CleanLine(v.Type.Label()), model.CleanLine(v.Status.Label()), v.TenantName + " (" + tenantShort(v.TenantID) + ")"}
	return strings.Join(parts, " · ")
}

// show makes r the request on screen, building the view every section
// renders from: masked and cleaned once, here, where text enters the pane.
func (p *detailPane) show(r model.Request) {
	p.req = &r
	v := present.RequestOf(r, p.tenant)
	v.Subject = p.subjectLine(r)
	if l := p.limit; l != nil && l.Applies {
		v.Limit = present.LimitOf(*l)
	}
	v.ExportDir = p.ctx.ExportDir
	p.view = &v
	p.render()
}

// subjectLine is who the request is about, masked, or why that is unknown.
func (p *detailPane) subjectLine(r model.Request) string {
	clean := model.CleanLine
	switch {
	case p.subject != nil:
		return present.SubjectName(*p.subject) + "  (" + clean(p.subject.ID) + ", account " + clean(string(p.subject.Status)) + ")"
	case p.subjectErr != nil:
		return clean(r.SubjectID) + " (cannot be read: " + errText(p.subjectErr) + ")"
	case r.SubjectID != "":
		return clean(r.SubjectID) + " (not found)"
	}
	return "not matched to a subject yet"
}

// render rebuilds the viewport content for the current width.
func (p *detailPane) render() {
	if p.view == nil || p.width <= 0 {
		return
	}
	yoff := p.vp.YOffset()
	p.vp.SetContent(p.content())
	p.vp.SetYOffset(yoff)
}
