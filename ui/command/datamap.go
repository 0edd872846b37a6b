package command

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// dataMapFile is the data map as an admin edits it: `datamap export`
// prints it, `datamap check` and `datamap apply` read it. Version is the
// version it was exported from, so applying a stale file is a conflict.
type dataMapFile struct {
	Version     int64            `toml:"version"`
	Collections []collectionFile `toml:"collection"`
}

type collectionFile struct {
	Name         string      `toml:"name"`
	Product      string      `toml:"product"`
	SubjectField string      `toml:"subject_field"`
	DateField    string      `toml:"date_field"`
	Sources      []string    `toml:"sources,omitempty"`
	Purposes     []string    `toml:"purposes,omitempty"`
	Recipients   []string    `toml:"recipients,omitempty"`
	Fields       []fieldFile `toml:"field"`
	// Processors are the sub-processors receiving copies ([[collection.processor]]).
	Processors []model.SubProcessor `toml:"processor,omitempty"`
}

type fieldFile struct {
	Field        string `toml:"field"`
	Category     string `toml:"category"`
	Kind         string `toml:"kind"`
	Erasure      string `toml:"erasure"`
	Fixed        string `toml:"fixed,omitempty"`
	SubjectPoint string `toml:"subject_point,omitempty"`
	OptOut       bool   `toml:"opt_out,omitempty"`
	Class        string `toml:"class,omitempty"`
	ThirdParty   string `toml:"third_party,omitempty"`
}

func dataMapFileOf(dm []model.CollectionMap, version int64) dataMapFile {
	f := dataMapFile{Version: version}
	for _, c := range dm {
		cf := collectionFile{Name: c.Collection, Product: c.Product, SubjectField: c.SubjectField, DateField: c.DateField,
			Sources: c.Sources, Purposes: c.Purposes, Recipients: c.Recipients}
		for _, fm := range c.Fields {
			cf.Fields = append(cf.Fields, fieldFile{Field: fm.Field, Category: string(fm.Category), Kind: string(fm.Kind),
				Erasure: string(fm.Erasure), Fixed: fm.Fixed, SubjectPoint: string(fm.SubjectPoint), OptOut: fm.OptOut,
				Class: string(fm.Class), ThirdParty: fm.ThirdParty})
		}
		cf.Processors = c.Processors
		f.Collections = append(f.Collections, cf)
	}
	return f
}

func (f dataMapFile) dataMap() []model.CollectionMap {
	var dm []model.CollectionMap
	for _, c := range f.Collections {
		cm := model.CollectionMap{Collection: c.Name, Product: c.Product, SubjectField: c.SubjectField, DateField: c.DateField,
			Sources: c.Sources, Purposes: c.Purposes, Recipients: c.Recipients}
		for _, fm := range c.Fields {
			cm.Fields = append(cm.Fields, model.FieldMap{Field: fm.Field, Category: model.Category(fm.Category), Kind: model.FieldKind(fm.Kind),
				Erasure: model.Erasure(fm.Erasure), Fixed: fm.Fixed, SubjectPoint: model.DataPoint(fm.SubjectPoint), OptOut: fm.OptOut,
				Class: model.FieldClass(fm.Class), ThirdParty: fm.ThirdParty})
		}
		cm.Processors = c.Processors
		dm = append(dm, cm)
	}
	return dm
}

// encodeDataMap is the map as TOML, without the version line, for diffs.
func encodeDataMap(dm []model.CollectionMap) string {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(dataMapFileOf(dm, 0)); err != nil {
		panic(fmt.Sprintf("encode data map: %v", err)) // dataMapFile has only TOML-able types
	}
	_, rest, _ := strings.Cut(b.String(), "\n")
	return rest
}

// readDataMapFile reads and validates a data map file: a problem names the
// collection and field, an unknown key is refused.
func readDataMapFile(path string, stdin io.Reader) (dataMapFile, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return dataMapFile{}, fmt.Errorf("read %s: %w", path, err)
	}
	var f dataMapFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return dataMapFile{}, fmt.Errorf("%s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		var keys []string
		for _, k := range und {
			if !slices.Contains(keys, k.String()) {
				keys = append(keys, k.String())
			}
		}
		return dataMapFile{}, fmt.Errorf("%s: unknown key %s (the keys are those `custodian datamap export` prints)", path, strings.Join(keys, ", "))
	}
	if err := model.ValidateDataMap(f.dataMap()); err != nil {
		return dataMapFile{}, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// dataMapCommands are `custodian datamap …`: the data map as a file.
func dataMapCommands() []Command {
	file := Arg{Name: "FILE.toml", What: "data map file (FILE.toml, or - for standard input)"}
	return []Command{
		{Path: "datamap export", Summary: "print the data map, with its version, as the TOML file datamap apply takes", Bind: bindDataMapExport},
		{Path: "datamap check", Args: []Arg{file}, Summary: "validate a data map file, naming the collection and field of each problem (reads no database)",
			Bind: bindDataMapCheck},
		{Path: "datamap apply", Args: []Arg{file},
			Summary: "replace the data map with the file after showing the diff: new version, audited, product indexes built (admins)",
			Detail:  "The file's version must be the current one (export, edit, apply). Asks y/N on a terminal unless\n--yes; without a terminal it refuses unless --yes.",
			Bind:    bindDataMapApply},
	}
}

func bindDataMapExport(fs *flag.FlagSet) Run {
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		dm, v, err := b.store.DataMapState(ctx, actor)
		if err != nil {
			return failDataMap(env.Stderr, "export", err)
		}
		fmt.Fprintf(env.Stdout, "# custodian data map: edit, then `custodian datamap apply FILE`\nversion = %d\n", v)
		fmt.Fprint(env.Stdout, cleanLines(encodeDataMap(dm)))
		return 0
	}
}

func bindDataMapCheck(fs *flag.FlagSet) Run {
	return func(_ context.Context, env Env, _ *Globals, args []string) int {
		f, err := readDataMapFile(args[0], env.Stdin)
		if err != nil {
			fmt.Fprintf(env.Stderr, "custodian datamap check: %s\n", model.EscapeLine(err.Error()))
			return ExitBadInput
		}
		fmt.Fprintf(env.Stdout, "%s: %d collections, valid\n", model.CleanLine(args[0]), len(f.Collections))
		return 0
	}
}

func bindDataMapApply(fs *flag.FlagSet) Run {
	yes := fs.Bool("yes", false, "apply without asking")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		f, err := readDataMapFile(args[0], env.Stdin)
		if err != nil {
			fmt.Fprintf(env.Stderr, "custodian datamap apply: %s; nothing applied\n", model.EscapeLine(err.Error()))
			return ExitBadInput
		}
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		cur, v, err := b.store.DataMapState(ctx, actor)
		if err != nil {
			return failDataMap(env.Stderr, "apply", err)
		}
		if f.Version != v {
			fmt.Fprintf(env.Stderr, "custodian datamap apply: the file is of version %d, the data map is at version %d; export it again and redo your change\n", f.Version, v)
			return ExitBadInput
		}
		diff, changed := present.LineDiff(encodeDataMap(cur), encodeDataMap(f.dataMap()))
		if !changed {
			fmt.Fprintf(env.Stdout, "data map version %d: no change\n", v)
			return 0
		}
		fmt.Fprint(env.Stdout, cleanLines(diff))
		if code := confirmSave(env, *yes, fmt.Sprintf("Apply as data map version %d?", v+1), "datamap apply"); code >= 0 {
			return code
		}
		next, cols, err := b.store.ApplyDataMap(ctx, actor, f.dataMap(), v)
		if err != nil {
			return failDataMap(env.Stderr, "apply", err)
		}
		fmt.Fprintf(env.Stdout, "data map version %d applied (%s); product indexes ensured; on the audit chain\n", next, model.CleanLine(strings.Join(cols, ", ")))
		return 0
	}
}

func failDataMap(stderr io.Writer, verb string, err error) int {
	fmt.Fprintf(stderr, "custodian datamap %s: %s\n", verb, model.EscapeLine(err.Error()))
	return exitFor(err)
}
