package db

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestOpenMalformedURI(t *testing.T) {
	for _, tc := range []struct {
		uri    string
		want   string   // part of the message that says what is wrong
		secret []string // must not appear in the message
	}{
		{uri: "http://x", want: `scheme "http" is not supported`},
		{uri: "db.example:27017", want: "it has no scheme"},
		{uri: "mongodb://", want: "no host given"},
		{uri: "mongodb:///custodian", want: "no host given"},
		{uri: "mongodb://host:notaport", want: `port "notaport" is not a number`},
		{uri: "mongodb://:27017", want: `host name is empty in ":27017"`},
		{uri: "mongodb://a,,b", want: "empty entry"},
		{uri: "mongodb://host:70000", want: "port 70000 is out of range"},
		{uri: "mongodb://host:", want: "port is empty"},
		{uri: "mongodb+srv://cluster.example.net:27017", want: "must not have a port"},
		{uri: "mongodb+srv://a.example.net,b.example.net", want: "exactly one host"},
		{uri: "mongodb://host/?connectTimeoutMS=soon", want: `invalid value for "connectTimeoutMS"`},
		{uri: "mongodb://host?replicaSet=rs0", want: "must have a / before the query"},
		{uri: "mongodb://alice:hunter2@host:notaport", want: `"mongodb://alice:***@host:notaport"`, secret: []string{"hunter2"}},
		{uri: "mongodb://alice:hun%zzter2@host", want: "percent-encoded", secret: []string{"hun", "%zz", "ter2"}},
		{uri: "mongodb://alice:hun@ter2@host:x", want: "unescaped @", secret: []string{"hun", "ter2"}},
		{uri: "mongodb://alice:hunter2@host/?authMechanism=NOPE&authMechanismProperties=AWS_SESSION_TOKEN:tok3n", want: "invalid auth mechanism", secret: []string{"hunter2", "tok3n"}},
	} {
		t.Run(tc.uri, func(t *testing.T) {
			start := time.Now()
			c, err := Open(context.Background(), Options{URI: tc.uri})
			if err == nil {
				_ = c.Close(context.Background())
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			t.Log(msg)
			if !IsConnectError(err) || !errors.Is(err, ErrInvalidURI) {
				t.Errorf("want a ConnectError wrapping ErrInvalidURI, got %T", err)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message lacks %q", tc.want)
			}
			if !strings.Contains(msg, "expected mongodb://") {
				t.Error("message does not show the expected form")
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Error("message is not one line")
			}
			for _, s := range tc.secret {
				if strings.Contains(msg, s) {
					t.Errorf("message leaks %q", s)
				}
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("validation took %v; it must not touch the network", d)
			}
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	start := time.Now()
	c, err := Open(context.Background(), Options{URI: "mongodb://carol:hunter2@127.0.0.1:1/?authSource=admin"})
	if err == nil {
		_ = c.Close(context.Background())
		t.Fatal("Open succeeded against a closed port")
	}
	msg := err.Error()
	t.Logf("after %v: %s", time.Since(start).Round(time.Millisecond), msg)
	if !IsConnectError(err) {
		t.Errorf("want a ConnectError, got %T: %v", err, err)
	}
	if errors.Is(err, ErrInvalidURI) {
		t.Error("a valid but unreachable URI was reported as invalid")
	}
	var ce *ConnectError
	if errors.As(err, &ce) && ce.Host != "127.0.0.1:1" {
		t.Errorf("Host = %q, want 127.0.0.1:1", ce.Host)
	}
	for _, want := range []string{"cannot reach MongoDB at 127.0.0.1:1", "--mongo-uri"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q", want)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Error("message leaks the password")
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Error("message is not one line")
	}
}

func TestConnectErrorMessage(t *testing.T) {
	cause := errors.New("boom")
	err := error(&ConnectError{Host: "db.example:27017", Reason: "server selection timed out after 3s",
		Hint: "check the host and port", Err: cause})
	want := "cannot reach MongoDB at db.example:27017: server selection timed out after 3s — check the host and port"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q\nwant      %q", got, want)
	}
	if !errors.Is(err, cause) {
		t.Error("does not unwrap to its cause")
	}
	wrapped := errors.Join(errors.New("opening"), err)
	if !IsConnectError(wrapped) || IsConnectError(cause) {
		t.Error("IsConnectError does not look through wrapping, or matches a plain error")
	}
	// Server and user text cannot break the line or inject terminal codes.
	evil := &ConnectError{Reason: "a\nb\x1b[31m\u202ec"}
	if got := evil.Error(); got != "a b?[31m?c" {
		t.Errorf("unsanitised: %q", got)
	}
}

func TestRedactURI(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://h:1/db":                      "mongodb://h:1/db",
		"mongodb://alice:pw@h/db":               "mongodb://alice:***@h/db",
		"mongodb://alice@h/db":                  "mongodb://alice@h/db",
		"mongodb://a:p@w@h":                     "mongodb://a:***@h",
		"mongodb+srv://a:b@c.example/?tls=true": "mongodb+srv://a:***@c.example/?…",
		"garbage":                               "garbage",
	} {
		if got := redactURI(in); got != want {
			t.Errorf("redactURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestURIDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://h":                       "",
		"mongodb://h/":                      "",
		"mongodb://h/app?w=1":               "app",
		"mongodb://u:p/x@h/app":             "app",
		"mongodb+srv://c.example/app?x=y/z": "app",
	} {
		if got := uriDatabase(in); got != want {
			t.Errorf("uriDatabase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckDatabaseName(t *testing.T) {
	for _, ok := range []string{"custodian", "custodian_test-1"} {
		if err := checkDatabaseName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"a.b", "a/b", "a b", "a$b", strings.Repeat("x", 64)} {
		if err := checkDatabaseName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDefaultDataDir(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if got, err := DefaultDataDir(); err != nil || got != "/xdg/custodian" {
		t.Errorf("with XDG_DATA_HOME: %q, %v", got, err)
	}
	for _, v := range []string{"", "relative/dir"} {
		t.Setenv("XDG_DATA_HOME", v)
		want := filepath.Join("/home/u", ".local", "share", "custodian")
		if got, err := DefaultDataDir(); err != nil || got != want {
			t.Errorf("XDG_DATA_HOME=%q: %q, %v; want %q", v, got, err, want)
		}
	}
}

func TestServerKind(t *testing.T) {
	for _, tc := range []struct {
		name         string
		hello, build bson.M
		topology     string
		transactions bool
	}{
		{"FerretDB via buildInfo", bson.M{"isWritablePrimary": true, "maxWireVersion": int32(21), "logicalSessionTimeoutMinutes": int32(30)},
			bson.M{"version": "7.0.77", "ferretdbVersion": "v1.24.0"}, "FerretDB", false},
		{"FerretDB via hello", bson.M{"maxWireVersion": int32(21), "ferretdbVersion": "v1.24.0"}, nil, "FerretDB", false},
		{"standalone mongod", bson.M{"isWritablePrimary": true, "maxWireVersion": int32(21), "logicalSessionTimeoutMinutes": int32(30)},
			bson.M{"version": "7.0.2"}, "standalone", false},
		{"replica set", bson.M{"setName": "rs0", "maxWireVersion": int32(21), "logicalSessionTimeoutMinutes": int32(30)},
			bson.M{"version": "7.0.2"}, "replica set rs0", true},
		{"replica set without sessions", bson.M{"setName": "rs0", "maxWireVersion": int32(21)}, nil, "replica set rs0", false},
		{"replica set on 3.6", bson.M{"setName": "rs0", "maxWireVersion": int32(6), "logicalSessionTimeoutMinutes": int32(30)}, nil, "replica set rs0", false},
		{"mongos", bson.M{"msg": "isdbgrid", "maxWireVersion": int64(21), "logicalSessionTimeoutMinutes": int32(30)}, nil, "sharded cluster (mongos)", true},
		{"mongos on 4.0", bson.M{"msg": "isdbgrid", "maxWireVersion": int32(7), "logicalSessionTimeoutMinutes": int32(30)}, nil, "sharded cluster (mongos)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo, tx := serverKind(tc.hello, tc.build)
			if topo != tc.topology || tx != tc.transactions {
				t.Errorf("serverKind = %q, %t; want %q, %t", topo, tx, tc.topology, tc.transactions)
			}
		})
	}
}
