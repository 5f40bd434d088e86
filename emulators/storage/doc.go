// Package storage is the local Cloud Storage emulator of the suite (port
// 9199 by default). It embeds fake-gcs-server as a library and adds what the
// platform relies on and the fake lacks:
//
//   - Pub/Sub object notifications in GCS's format (attributes
//     notificationConfig, eventType, payloadFormat JSON_API_V1, bucketId,
//     objectId, objectGeneration, eventTime; data = the JSON API object
//     resource), published to Options.NotificationTopic in the Pub/Sub
//     emulator. The topic is created when missing.
//   - V4 signed URLs: requests carrying X-Goog-Signature are checked for
//     expiry, the signature (when the signer's public key is registered in
//     Options.Signers), x-goog-content-length-range and the signed headers
//     (so a different Content-Type fails like on GCS), with GCS's XML errors.
//     As on GCS, every x-goog-* request header must be among the signed
//     headers (400 MalformedSecurityHeader naming it otherwise), whether or
//     not the signer is registered: a signed upload cannot add custom
//     metadata (x-goog-meta-*) or an ACL its signer did not sign.
//   - Bucket CORS as GCS applies it: the JSON API keeps a bucket's "cors"
//     (insert, patch, update, get, list; the fake drops it), and XML API
//     requests (signed URLs) from a browser get CORS headers only when an
//     entry lists their origin and method; a preflight must also ask only
//     for headers the entry's responseHeader lists, or it is refused (403,
//     no CORS headers). The JSON API answers any origin, as on GCS. Apply
//     gives every topology bucket terraform's configuration (BucketCORS);
//     AllowOrigin adds the local site's origin.
//   - Apply creates the buckets declared in infra/topology.yaml; Export and
//     Import save and restore buckets, objects and their metadata (not
//     their CORS configuration, which Apply sets again at each start).
//
// The official client works against it unchanged through
// STORAGE_EMULATOR_HOST=http://host:port (JSON and XML API), or with
// option.WithEndpoint(URL()+"/storage/v1/") and option.WithoutAuthentication.
//
// Known differences from production:
//
//   - No authentication or IAM: every request is allowed. Signed URLs are
//     only signature-checked when their signer's key is in Options.Signers;
//     otherwise expiry and content-length-range are still enforced.
//   - Under STORAGE_EMULATOR_HOST, BucketHandle.SignedURL produces
//     https://host:port/bucket/object unless SignedURLOptions.Insecure is set;
//     the emulator serves plain HTTP only, so callers set Insecure (or use the
//     http scheme) when the emulator host's scheme is http. The client signs
//     the host without its port; the emulator accepts the signature computed
//     over either form.
//   - A signed PUT answers with the object's JSON resource (GCS answers with
//     an empty body). Bodies without Content-Length that carry
//     x-goog-content-length-range are buffered, up to 64 MiB.
//   - Notifications go to the single configured topic for every bucket and
//     every event type (production needs a notification config per bucket);
//     the notificationConfig attribute names config "1" of the bucket.
//     Notification configs created through the JSON API are stored by the
//     fake but do not publish. Events are published in order by one worker
//     with a bounded queue and a timeout per message; on failure they are
//     logged and dropped, never retried, and never block a request.
//   - Object events are observed at the HTTP layer. Writes made directly
//     through Fake(), through the batch endpoint, and ACL changes publish no
//     events. The OBJECT_DELETE / OBJECT_ARCHIVE sent when an object is
//     overwritten is only produced for objects the emulator has seen
//     written (through HTTP or Import) since it started.
//   - metageneration is always "1" and object timestamps come from the real
//     clock (fake-gcs-server's); Options.Now only drives eventTime and
//     signed URL expiry.
//   - No lifecycle rules, retention enforcement, requester pays, HMAC keys,
//     POST policy signature checks, or gRPC API.
package storage
