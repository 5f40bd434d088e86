// Package infra embeds the declarations that Terraform and the local
// emulator suite both read, so that Go code (the suite, tests) sees exactly
// the files that are deployed.
package infra

import (
	"embed"
	"io/fs"

	"pointsofyou.ai/studio/shared/topology"
)

//go:embed topology.yaml firebase.json firestore.indexes.json bigquery
var files embed.FS

// FS holds the embedded declaration files.
func FS() fs.FS { return files }

// Topology parses the embedded infra/topology.yaml.
func Topology() (*topology.Topology, error) {
	b, err := files.ReadFile("topology.yaml")
	if err != nil {
		return nil, err
	}
	return topology.Parse(b)
}

// FirebaseJSON returns the embedded infra/firebase.json: the Hosting (and
// Firestore) configuration that is deployed and that the hosting emulator
// applies locally.
func FirebaseJSON() []byte {
	b, err := files.ReadFile("firebase.json")
	if err != nil {
		// The file is embedded at build time; its absence is a build defect.
		panic("infra: firebase.json is not embedded: " + err.Error())
	}
	return b
}

// FirestoreIndexes returns the embedded infra/firestore.indexes.json: the
// indexes Terraform deploys and the Firestore emulator enforces locally.
func FirestoreIndexes() []byte {
	b, err := files.ReadFile("firestore.indexes.json")
	if err != nil {
		panic("infra: firestore.indexes.json is not embedded: " + err.Error())
	}
	return b
}
