package command

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/custodian-dev/custodian/model"
)

// tenantFile is a tenant as an admin writes it: the TOML of `tenants add`
// and `tenants edit`, and what `tenants show --toml` prints to start from.
// Field names are the ones model.Tenant.Validate names in its messages.
type tenantFile struct {
	// Version is the version shown (0 for a new tenant): an edit of a
	// tenant changed since is refused rather than silently undone.
	Version        int64           `toml:"version"`
	ID             string          `toml:"id"`
	Name           string          `toml:"name"`
	State          string          `toml:"state"`
	TimeZone       string          `toml:"time_zone"`
	Government     bool            `toml:"government"`
	HolidayAdd     []string        `toml:"holiday_add"`
	HolidayRemove  []string        `toml:"holiday_remove"`
	PrivacyContact *contactFile    `toml:"privacy_contact,omitempty"`
	Approvers      []contactFile   `toml:"approvers"`
	Retention      []retentionFile `toml:"retention"`
	Holds          []holdFile      `toml:"legal_holds"`
}

type contactFile struct {
	Name    string `toml:"name"`
	Title   string `toml:"title,omitempty"`
	Email   string `toml:"email,omitempty"`
	Phone   string `toml:"phone,omitempty"`
	Address string `toml:"address,omitempty"`
}

type retentionFile struct {
	Category    string   `toml:"category"`
	Period      string   `toml:"period"`
	LegalBasis  string   `toml:"legal_basis"`
	Collections []string `toml:"collections,omitempty"`
}

type holdFile struct {
	ID         string     `toml:"id"`
	Reference  string     `toml:"reference"`
	SubjectID  string     `toml:"subject_id,omitempty"`
	Categories []string   `toml:"categories"`
	Reason     string     `toml:"reason"`
	Since      time.Time  `toml:"since"`
	Until      *time.Time `toml:"until,omitempty"`
}

func toContact(c contactFile) model.Contact {
	return model.Contact{Name: c.Name, Title: c.Title, Email: c.Email, Phone: c.Phone, Address: c.Address}
}

func fromContact(c model.Contact) contactFile {
	return contactFile{Name: c.Name, Title: c.Title, Email: c.Email, Phone: c.Phone, Address: c.Address}
}

// tenant turns the file into the model's tenant.
func (f tenantFile) tenant() model.Tenant {
	t := model.Tenant{Version: f.Version, ID: f.ID, Name: f.Name, State: f.State, TimeZone: f.TimeZone, Government: f.Government,
		HolidayAdd: f.HolidayAdd, HolidayRemove: f.HolidayRemove,
		Approvers: []model.Contact{}, Retention: []model.RetentionRule{}, Holds: []model.LegalHold{}}
	if f.PrivacyContact != nil {
		c := toContact(*f.PrivacyContact)
		t.PrivacyContact = &c
	}
	for _, c := range f.Approvers {
		t.Approvers = append(t.Approvers, toContact(c))
	}
	for _, r := range f.Retention {
		t.Retention = append(t.Retention, model.RetentionRule{Category: model.Category(r.Category), Period: r.Period,
			LegalBasis: r.LegalBasis, Collections: r.Collections})
	}
	for _, h := range f.Holds {
		hold := model.LegalHold{ID: h.ID, Reference: h.Reference, SubjectID: h.SubjectID, Reason: h.Reason, Since: h.Since.UTC()}
		if h.Until != nil {
			u := h.Until.UTC()
			hold.Until = &u
		}
		for _, c := range h.Categories {
			hold.Categories = append(hold.Categories, model.Category(c))
		}
		t.Holds = append(t.Holds, hold)
	}
	return t
}

// fileOf is the file form of t. The legacy holiday list is shown as
// additions, which is what the store turns it into on the first edit.
func fileOf(t model.Tenant) tenantFile {
	f := tenantFile{Version: t.Version, ID: t.ID, Name: t.Name, State: t.State, TimeZone: t.TimeZone, Government: t.Government,
		HolidayAdd: append(append([]string{}, t.HolidayAdd...), t.Holidays...), HolidayRemove: append([]string{}, t.HolidayRemove...)}
	sort.Strings(f.HolidayAdd)
	if t.PrivacyContact != nil {
		c := fromContact(*t.PrivacyContact)
		f.PrivacyContact = &c
	}
	for _, c := range t.Approvers {
		f.Approvers = append(f.Approvers, fromContact(c))
	}
	for _, r := range t.Retention {
		f.Retention = append(f.Retention, retentionFile{Category: string(r.Category), Period: r.Period, LegalBasis: r.LegalBasis, Collections: r.Collections})
	}
	for _, h := range t.Holds {
		hf := holdFile{ID: h.ID, Reference: h.Reference, SubjectID: h.SubjectID, Reason: h.Reason, Since: h.Since.UTC(), Categories: []string{}}
		if h.Until != nil {
			u := h.Until.UTC()
			hf.Until = &u
		}
		for _, c := range h.Categories {
			hf.Categories = append(hf.Categories, string(c))
		}
		f.Holds = append(f.Holds, hf)
	}
	return f
}

// encodeTenant is t as the TOML an admin edits.
func encodeTenant(t model.Tenant) string {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(fileOf(t)); err != nil {
		// Only a type TOML cannot hold fails, and tenantFile has none.
		panic(fmt.Sprintf("encode tenant %s: %v", t.ID, err))
	}
	return b.String()
}

// readTenantFile reads a tenants file (path, or - for stdin), refusing a
// key it does not know: a misspelt "legal_basis" must not save a rule
// without its basis silently.
func readTenantFile(path string, stdin io.Reader) (model.Tenant, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return model.Tenant{}, fmt.Errorf("read %s: %w", path, err)
	}
	var f tenantFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return model.Tenant{}, fmt.Errorf("%s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		var keys []string
		for _, k := range und {
			if !slices.Contains(keys, k.String()) {
				keys = append(keys, k.String())
			}
		}
		return model.Tenant{}, fmt.Errorf("%s: unknown key %s (the keys are those `custodian tenants show ID --toml` prints)", path, strings.Join(keys, ", "))
	}
	return f.tenant(), nil
}
