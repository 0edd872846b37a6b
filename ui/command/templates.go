package command

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// templateCommands are `custodian templates …`: each Customer's letter
// templates, read, previewed and edited from a file. Who may edit, and what
// a template may use, are decided in model and enforced by db.
func templateCommands() []Command {
	tenant := Arg{Name: "TENANT", What: "tenant id"}
	kind := Arg{Name: "KIND", What: "letter kind (custodian templates list shows them)"}
	file := Arg{Name: "FILE", What: "template file (FILE, or - for standard input)"}
	return []Command{
		{Path: "templates list", Args: []Arg{tenant},
			Summary: "a Customer's letter templates: kind, whether it is the default, who addresses it, the law it follows",
			Bind:    bindTemplatesList},
		{Path: "templates show", Args: []Arg{tenant, kind},
			Summary: "one template as the file templates edit takes: a Subject: line, a blank line, the body",
			Detail:  "The fields a template may use are listed with --fields.",
			Bind:    bindTemplatesShow},
		{Path: "templates preview", Args: []Arg{tenant, kind},
			Summary: "render a template (the stored one, or --file) against a sample request",
			Bind:    bindTemplatesPreview},
		{Path: "templates edit", Args: []Arg{tenant, kind, file},
			Summary: "replace a Customer's template from a file, after rendering it against a sample request (admins and leads)",
			Detail:  "Start from `custodian templates show TENANT KIND`. Asks y/N on a terminal unless --yes;\nwithout a terminal it refuses unless --yes.",
			Bind:    bindTemplatesEdit},
	}
}

func bindTemplatesList(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		ts, err := b.store.Templates(ctx, actor, args[0])
		if err != nil {
			return failTemplates(env.Stderr, "list", err)
		}
		if *asJSON {
			return writeJSON(env, ts)
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "KIND\tSOURCE\tTO\tLAW\tSUBJECT")
		for _, t := range ts {
			info, _ := model.LetterInfoOf(t.Kind)
			src := "default"
			if !t.Default {
				src = fmt.Sprintf("own v%d by %s", t.Version, model.CleanLine(t.UpdatedBy))
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Kind, src, info.Audience, orDash(info.Law), model.CleanLine(t.Subject))
		}
		w.Flush()
		return 0
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func bindTemplatesShow(fs *flag.FlagSet) Run {
	fields := fs.Bool("fields", false, "also list the fields a template may use")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		t, err := b.store.Template(ctx, actor, args[0], model.LetterKind(args[1]))
		if err != nil {
			return failTemplates(env.Stderr, "show", err)
		}
		fmt.Fprint(env.Stdout, model.CleanText(encodeTemplate(t.LetterTemplate)))
		if *fields {
			writeFields(env.Stderr)
		}
		return 0
	}
}

func writeFields(w io.Writer) {
	fmt.Fprintln(w, "\nfields ({{.Name}}; lists with {{range .Name}}{{.}}{{end}}):")
	for _, f := range model.LetterFields() {
		fmt.Fprintf(w, "  %-16s %s\n", f[0], f[1])
	}
}

// encodeTemplate is the file form: "Subject: …", a blank line, the body.
func encodeTemplate(t model.LetterTemplate) string {
	return "Subject: " + t.Subject + "\n\n" + t.Body
}

// decodeTemplate reads the file form back.
func decodeTemplate(k model.LetterKind, raw string) (model.LetterTemplate, error) {
	raw = strings.ReplaceAll(raw, "\r\n", "\n")
	head, body, ok := strings.Cut(raw, "\n\n")
	subj, isSubj := strings.CutPrefix(head, "Subject: ")
	if !ok || !isSubj || strings.Contains(head, "\n") {
		return model.LetterTemplate{}, errors.New("a template file is a \"Subject: …\" line, a blank line, then the body (custodian templates show prints one)")
	}
	return model.LetterTemplate{Kind: k, Subject: subj, Body: body}, nil
}

func readTemplateFile(path string, stdin io.Reader, k model.LetterKind) (model.LetterTemplate, error) {
	var raw []byte
	var err error
	if path == "-" {
		raw, err = io.ReadAll(io.LimitReader(stdin, 1<<20))
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return model.LetterTemplate{}, err
	}
	return decodeTemplate(k, string(raw))
}

func bindTemplatesPreview(fs *flag.FlagSet) Run {
	file := fs.String("file", "", "preview this template `FILE` instead of the stored one (- for standard input)")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		k, err := model.ParseLetterKind(args[1])
		if err != nil {
			return failTemplates(env.Stderr, "preview", fmt.Errorf("%w: %w", db.ErrInvalid, err))
		}
		var tpl model.LetterTemplate
		if *file != "" {
			if tpl, err = readTemplateFile(*file, env.Stdin, k); err != nil {
				return failTemplates(env.Stderr, "preview", fmt.Errorf("%w: %w", db.ErrInvalid, err))
			}
		} else {
			b, actor, code := openActor(ctx, g, "cli", env.Stderr)
			if b == nil {
				return code
			}
			defer b.close()
			t, err := b.store.Template(ctx, actor, args[0], k)
			if err != nil {
				return failTemplates(env.Stderr, "preview", err)
			}
			tpl = t.LetterTemplate
		}
		l, err := model.PreviewTemplate(tpl)
		if err != nil {
			return failTemplates(env.Stderr, "preview", fmt.Errorf("%w: %w", db.ErrInvalid, err))
		}
		writeLetter(env.Stdout, l)
		return 0
	}
}

// writeLetter prints a rendered letter for a person to read before it goes.
func writeLetter(w io.Writer, l model.Letter) {
	fmt.Fprintf(w, "To: %s <%s>\nSubject: %s\n\n%s", model.CleanLine(l.To.Name), model.CleanLine(l.To.Email), model.CleanLine(l.Subject), model.CleanText(l.Body))
	if !strings.HasSuffix(l.Body, "\n") {
		fmt.Fprintln(w)
	}
}

func bindTemplatesEdit(fs *flag.FlagSet) Run {
	yes := fs.Bool("yes", false, "save without asking")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		k, err := model.ParseLetterKind(args[1])
		if err != nil {
			return failTemplates(env.Stderr, "edit", fmt.Errorf("%w: %w", db.ErrInvalid, err))
		}
		tpl, err := readTemplateFile(args[2], env.Stdin, k)
		if err != nil {
			return failTemplates(env.Stderr, "edit", fmt.Errorf("%w: %w", db.ErrInvalid, err))
		}
		// Render before asking: a template that cannot render is refused
		// here, and a person confirms what a letter will look like.
		l, err := model.PreviewTemplate(tpl)
		if err != nil {
			return failTemplates(env.Stderr, "edit", fmt.Errorf("%w: %w", db.ErrInvalid, err))
		}
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		writeLetter(env.Stdout, l)
		if code := confirmSave(env, *yes, fmt.Sprintf("Save the %s template of %s?", k, args[0]), "templates edit"); code >= 0 {
			return code
		}
		t, err := b.store.PutTemplate(ctx, actor, args[0], tpl)
		if err != nil {
			return failTemplates(env.Stderr, "edit", err)
		}
		fmt.Fprintf(env.Stdout, "saved the %s template of %s, version %d\n", k, model.CleanLine(args[0]), t.Version)
		return 0
	}
}

func failTemplates(stderr io.Writer, verb string, err error) int {
	hint := ""
	if errors.Is(err, db.ErrNotFound) {
		hint = " (custodian tenants list shows the ids in your scope)"
	}
	fmt.Fprintf(stderr, "custodian templates %s: %s%s\n", verb, model.EscapeLine(err.Error()), hint)
	return exitFor(err)
}
