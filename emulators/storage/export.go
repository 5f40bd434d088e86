package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

// Export layout under dir:
//
//	buckets.json                 [{"name": …, "versioning": …}]
//	<bucket>/objects.json        [exportedObject …]
//	<bucket>/blobs/<sha256(name)> object content
//
// Content files are named by a hash of the object name so any name (with
// slashes, "..", or one name being a prefix directory of another) is safe on
// disk.
const (
	bucketsFile = "buckets.json"
	objectsFile = "objects.json"
	blobsDir    = "blobs"
)

type exportedBucket struct {
	Name       string `json:"name"`
	Versioning bool   `json:"versioning,omitempty"`
}

type exportedObject struct {
	Name               string            `json:"name"`
	Blob               string            `json:"blob"`
	ContentType        string            `json:"contentType,omitempty"`
	ContentEncoding    string            `json:"contentEncoding,omitempty"`
	ContentDisposition string            `json:"contentDisposition,omitempty"`
	ContentLanguage    string            `json:"contentLanguage,omitempty"`
	CacheControl       string            `json:"cacheControl,omitempty"`
	StorageClass       string            `json:"storageClass,omitempty"`
	Generation         int64             `json:"generation,omitempty"`
	Created            time.Time         `json:"timeCreated,omitzero"`
	Updated            time.Time         `json:"updated,omitzero"`
	CustomTime         time.Time         `json:"customTime,omitzero"`
	Metadata           map[string]string `json:"metadata,omitempty"`
}

func blobName(object string) string {
	sum := sha256.Sum256([]byte(object))
	return hex.EncodeToString(sum[:])
}

// Export writes every bucket and the live generation of every object
// under dir (created if missing).
func (s *Server) Export(dir string) error {
	buckets, err := s.fake.Backend().ListBuckets()
	if err != nil {
		return fmt.Errorf("storage export: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("storage export: %w", err)
	}
	list := make([]exportedBucket, 0, len(buckets))
	for _, b := range buckets {
		if !filepath.IsLocal(b.Name) {
			return fmt.Errorf("storage export: bucket name %q is not a safe directory name", b.Name)
		}
		list = append(list, exportedBucket{Name: b.Name, Versioning: b.VersioningEnabled})
		if err := s.exportBucket(dir, b.Name); err != nil {
			return err
		}
	}
	return writeJSON(filepath.Join(dir, bucketsFile), list)
}

func (s *Server) exportBucket(dir, bucket string) error {
	bdir := filepath.Join(dir, bucket)
	if err := os.MkdirAll(filepath.Join(bdir, blobsDir), 0o755); err != nil {
		return fmt.Errorf("storage export: %w", err)
	}
	resp, err := s.fake.ListObjectsWithOptionsPaginated(bucket, fakestorage.ListOptions{})
	if err != nil {
		return fmt.Errorf("storage export: list %s: %w", bucket, err)
	}
	objects := make([]exportedObject, 0, len(resp.Objects))
	for _, a := range resp.Objects {
		obj, err := s.fake.GetObjectStreaming(bucket, a.Name)
		if err != nil {
			// Deleted since listing: skip it.
			continue
		}
		e := exportedObject{
			Name: obj.Name, Blob: blobName(obj.Name),
			ContentType: obj.ContentType, ContentEncoding: obj.ContentEncoding,
			ContentDisposition: obj.ContentDisposition, ContentLanguage: obj.ContentLanguage,
			CacheControl: obj.CacheControl, StorageClass: obj.StorageClass,
			Generation: obj.Generation, Created: obj.Created, Updated: obj.Updated,
			CustomTime: obj.CustomTime, Metadata: obj.Metadata,
		}
		err = writeStream(filepath.Join(bdir, blobsDir, e.Blob), obj.Content)
		obj.Close()
		if err != nil {
			return fmt.Errorf("storage export: %w", err)
		}
		objects = append(objects, e)
	}
	return writeJSON(filepath.Join(bdir, objectsFile), objects)
}

// Import restores an Export: buckets are created when missing and objects
// overwrite same-named ones. Importing publishes no notifications. A
// directory without buckets.json is an empty export.
func (s *Server) Import(dir string) error {
	var buckets []exportedBucket
	if err := readJSON(filepath.Join(dir, bucketsFile), &buckets); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("storage import: %w", err)
	}
	for _, b := range buckets {
		if !filepath.IsLocal(b.Name) {
			return fmt.Errorf("storage import: bucket name %q is not a safe directory name", b.Name)
		}
		if err := s.ensureBucket(b.Name, b.Versioning); err != nil {
			return fmt.Errorf("storage import: %w", err)
		}
		if err := s.importBucket(filepath.Join(dir, b.Name), b.Name); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) importBucket(bdir, bucket string) error {
	var objects []exportedObject
	if err := readJSON(filepath.Join(bdir, objectsFile), &objects); err != nil {
		return fmt.Errorf("storage import: %w", err)
	}
	for _, e := range objects {
		if e.Blob != blobName(e.Name) {
			return fmt.Errorf("storage import: object entry in %s names a foreign blob", bucket)
		}
		f, err := os.Open(filepath.Join(bdir, blobsDir, e.Blob))
		if err != nil {
			return fmt.Errorf("storage import: %w", err)
		}
		err = s.fake.CreateObjectStreaming(fakestorage.StreamingObject{
			ObjectAttrs: fakestorage.ObjectAttrs{
				BucketName: bucket, Name: e.Name,
				ContentType: e.ContentType, ContentEncoding: e.ContentEncoding,
				ContentDisposition: e.ContentDisposition, ContentLanguage: e.ContentLanguage,
				CacheControl: e.CacheControl, StorageClass: e.StorageClass,
				Generation: e.Generation, Created: e.Created, Updated: e.Updated,
				CustomTime: e.CustomTime, Metadata: e.Metadata,
			},
			Content: f,
		})
		f.Close()
		if err != nil {
			return fmt.Errorf("storage import: %s: %w", bucket, err)
		}
		if s.events != nil {
			if obj, err := s.fake.GetObjectStreaming(bucket, e.Name); err == nil {
				obj.Close()
				s.events.remember(resourceFromAttrs(obj.ObjectAttrs, s.URL()))
			}
		}
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func writeStream(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
