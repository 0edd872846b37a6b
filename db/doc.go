// Package db is custodian's controller layer and the only package that talks
// to MongoDB (or FerretDB, embedded or as a server). Every read and write a
// front end makes goes through Store, which checks the actor's role and
// scope, applies model's rules, writes once with a claim that names its
// writer, and appends the tamper-evident audit chain.
//
// It may import model, db/demo (the demo dataset it seeds) and the MongoDB
// driver and FerretDB, and for the letters' outbox go-mail (MIME) and
// go-smtp (delivery); never anything under ui/. Front ends declare the
// interfaces they need and *Store satisfies them.
package db
