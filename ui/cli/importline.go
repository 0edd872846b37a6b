package cli

// This file checks one import line on its own: its JSON shape, field
// names and kinds, and the request it describes.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custodian-dev/custodian/model"
)

// parseImportLine checks one line on its own, with the tenants in scope,
// and returns the request it describes (its ExternalRef set as far as it
// could be read, for the report).
func parseImportLine(raw []byte, tenants map[string]model.Tenant, now time.Time) (model.Request, bool, error) {
	if err := checkRawLine(raw); err != nil {
		return model.Request{}, false, err
	}
	var l ImportLine
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return model.Request{}, false, jsonProblem(err)
	}
	if rest := bytes.TrimSpace(raw[dec.InputOffset():]); len(rest) > 0 {
		return model.Request{}, false, errors.New("more than one JSON value on the line, or text after the object: put each request on its own line")
	}
	var r model.Request
	ref, err := model.ParseText("external_ref", l.ExternalRef, maxRefLen)
	if err != nil {
		return r, false, fmt.Errorf("%w (the source system's id for the request; re-importing it changes nothing)", err)
	}
	r.ExternalRef = ref
	r.ID = ImportRequestID(ref)

	t, ok := tenants[strings.TrimSpace(l.Tenant)]
	switch {
	case strings.TrimSpace(l.Tenant) == "":
		return r, false, errors.New("tenant is missing: give the Customer's tenant id")
	case !ok:
		return r, false, fmt.Errorf("tenant %q is unknown or outside your scope: give the id of a tenant you work on", model.CleanLine(l.Tenant))
	}
	r.TenantID = t.ID
	if r.Type, err = model.ParseRequestType(l.Type); err != nil {
		return r, false, fmt.Errorf("type: %w", err)
	}
	if strings.TrimSpace(l.AccessScope) != "" {
		if r.AccessScope, err = model.ParseAccessScope(l.AccessScope); err != nil {
			return r, false, fmt.Errorf("access_scope: %w", err)
		}
	}
	if r.Channel, err = model.ParseChannel(l.Channel); err != nil {
		return r, false, fmt.Errorf("channel: %w", err)
	}
	if strings.TrimSpace(l.Received) == "" {
		return r, false, errors.New("received is missing: give the date the request arrived, as YYYY-MM-DD")
	}
	if r.ReceivedAt, err = model.ParseDate(l.Received, t.Location(), now); err != nil {
		return r, false, fmt.Errorf("received: %w", err)
	}
	if l.Requester == nil {
		return r, false, errors.New("requester is missing: give {\"name\", \"email\", \"phone\"}, at least one of them")
	}
	if r.Requester, err = parsePerson(*l.Requester); err != nil {
		return r, false, fmt.Errorf("requester: %w", err)
	}
	if r.Requester == (model.Person{}) {
		return r, false, errors.New("requester: give a name, email or phone")
	}
	switch {
	case l.SubjectID != "" && l.SameAsRequester:
		return r, false, errors.New("subject_id and same_as_requester both given: give one")
	case l.SubjectID != "":
		if r.SubjectID, err = model.ParseText("subject_id", l.SubjectID, 64); err != nil {
			return r, false, err
		}
	case l.SameAsRequester && r.Requester.Email == "" && r.Requester.Phone == "":
		return r, false, errors.New("same_as_requester needs the requester's email or phone to find the subject: add one, or give subject_id")
	}
	// Left empty, the controller decides where the requester lives (the
	// subject's state on file, else the tenant's): model.Intake.
	if strings.TrimSpace(l.ResidencyState) != "" {
		if r.ResidencyState, err = model.ParseState(l.ResidencyState); err != nil {
			return r, false, err
		}
	}
	if l.Agent != nil {
		a, err := parseAgent(*l.Agent)
		if err != nil {
			return r, false, fmt.Errorf("agent: %w", err)
		}
		r.Agent = &a
	}
	if len(l.Corrections) > 0 {
		r.Corrections = map[string]string{}
		fields := slices.Sorted(func(yield func(string) bool) {
			for k := range l.Corrections {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range fields {
			f, v, err := model.ParseCorrection(k, l.Corrections[k], now)
			if err != nil {
				return r, false, err
			}
			if _, dup := r.Corrections[string(f)]; dup {
				return r, false, fmt.Errorf("corrections name %s twice: give each field once", f)
			}
			r.Corrections[string(f)] = v
		}
	}
	// The rule book's intake rules (agent permission, corrections only on a
	// correction, access scope only on access) are asked now, so a file
	// with a refused line imports nothing. What they derive from the
	// subject is the controller's to store, so the copy is dropped.
	check := r
	if rf := model.Intake(model.Facts{Request: r, Tenant: t, Now: now}, &check); rf != nil {
		return r, false, rf
	}
	return r, l.SameAsRequester, nil
}

func parsePerson(p ImportPerson) (model.Person, error) {
	var out model.Person
	var err error
	if strings.TrimSpace(p.Name) != "" {
		if out.Name, err = model.ParseName("name", p.Name); err != nil {
			return out, err
		}
	}
	if strings.TrimSpace(p.Email) != "" {
		if out.Email, err = model.ParseEmail(p.Email); err != nil {
			return out, err
		}
	}
	if strings.TrimSpace(p.Phone) != "" {
		if out.Phone, err = model.ParsePhone(p.Phone); err != nil {
			return out, err
		}
	}
	return out, nil
}

func parseAgent(a ImportAgent) (model.Agent, error) {
	p, err := parsePerson(a.ImportPerson)
	if err != nil {
		return model.Agent{}, err
	}
	out := model.Agent{Person: p}
	if strings.TrimSpace(a.Organization) != "" {
		if out.Organization, err = model.ParseName("organization", a.Organization); err != nil {
			return out, err
		}
	}
	if out.Name == "" && out.Organization == "" {
		return out, errors.New("give the agent's name or organization")
	}
	// A missing permission is the rule book's to refuse (model.Intake).
	if strings.TrimSpace(a.PermissionEvidence) != "" {
		if out.PermissionEvidence, err = model.ParseText("permission_evidence", a.PermissionEvidence, model.MaxNameLen); err != nil {
			return out, err
		}
	}
	return out, nil
}

// lowerCaseFields are the field names of each object of a line, by where
// the object is; corrections' keys are checked by model.ParseCorrection.
var lowerCaseFields = map[string][]string{
	"":          strings.Split(importFields, ", "),
	"requester": {"name", "email", "phone"},
	"agent":     {"name", "email", "phone", "organization", "permission_evidence"},
}

// checkRawLine refuses what encoding/json would let through silently:
// invalid UTF-8 (replaced by U+FFFD), a field given twice (the last one
// wins) and a field name in another case ("Name" is read as "name"). Each
// problem names the field, never its value. Syntax errors are left to the
// decoder, whose message says where.
func checkRawLine(raw []byte) error {
	type object struct {
		path   string
		seen   map[string]bool
		key    string // the field whose value comes next
		hasKey bool
	}
	var stack []*object
	fieldOf := func() string {
		if len(stack) == 0 {
			return "the line"
		}
		o := stack[len(stack)-1]
		if o == nil || o.key == "" {
			return "the line"
		}
		return join(o.path, o.key)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // end of the line, or a syntax error the decoder reports
		}
		seg := raw[prev:dec.InputOffset()]
		prev = dec.InputOffset()
		var top *object
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && !top.hasKey {
			if k, ok := tok.(string); ok {
				// A key.
				if !utf8.Valid(seg) {
					return fmt.Errorf("a field name in %s is not valid UTF-8: save the file as UTF-8", orLine(top.path))
				}
				if top.seen[k] {
					return fmt.Errorf("%s is given twice: give each field once", join(top.path, k))
				}
				top.seen[k] = true
				if known, ok := lowerCaseFields[top.path]; ok && !slices.Contains(known, k) {
					if i := slices.IndexFunc(known, func(f string) bool { return strings.EqualFold(f, k) }); i >= 0 {
						return fmt.Errorf("field %s is written %s: field names are lower case, as %s", join(top.path, known[i]), model.QuoteArg(k), known[i])
					}
				}
				top.key, top.hasKey = k, true
				continue
			}
		}
		if !utf8.Valid(seg) {
			return fmt.Errorf("%s is not valid UTF-8 text: save the file as UTF-8", fieldOf())
		}
		switch tok {
		case json.Delim('{'):
			path := ""
			switch {
			case top != nil:
				path = join(top.path, top.key)
			case len(stack) > 0:
				path = "[]" // inside an array: no field of the schema
			}
			stack = append(stack, &object{path: path, seen: map[string]bool{}})
			continue
		case json.Delim('['):
			stack = append(stack, nil) // an array: its values have no keys
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1] != nil {
				stack[len(stack)-1].hasKey = false
			}
			continue
		}
		if top != nil {
			top.hasKey = false // a value: the next string is a key
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orLine(path string) string {
	if path == "" {
		return "the line"
	}
	return path
}

// jsonProblem turns a decoding error into what to fix on the line.
func jsonProblem(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Errorf("%s must be a JSON %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("not valid JSON (%v at byte %d): each line is one object such as {\"external_ref\": \"…\", \"tenant\": \"…\", …}", syntaxErr, syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown field %s: the fields are %s", strings.TrimPrefix(err.Error(), "json: unknown field "), importFields)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON object is cut off: each request must be one whole object on one line")
	}
	return fmt.Errorf("not a request: %v: each line is one JSON object", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "true or false"
	case "map", "struct", "ptr":
		return "object"
	}
	return goKind
}
