// Package vertex is a local emulator of Vertex AI's prediction endpoint,
// wire-compatible with cloud.google.com/go/aiplatform/apiv1: connect a
// PredictionClient (and an LlmUtilityClient) with option.WithEndpoint(addr),
// option.WithoutAuthentication() and insecure gRPC transport credentials,
// or set VERTEX_EMULATOR_HOST for shared/ai. It needs no network and no
// keys: a deterministic local model answers.
//
// Served RPCs (gRPC, one port):
//
//	google.cloud.aiplatform.v1.PredictionService/GenerateContent
//	google.cloud.aiplatform.v1.PredictionService/StreamGenerateContent
//	google.cloud.aiplatform.v1.PredictionService/Predict        text embeddings
//	google.cloud.aiplatform.v1.PredictionService/EmbedContent   text embeddings
//	google.cloud.aiplatform.v1.LlmUtilityService/CountTokens
//
// Every other RPC answers Unimplemented.
//
// # Embeddings
//
// Any publisher model whose id contains "embedding" is served; the known
// ones are text-embedding-005, text-multilingual-embedding-002 and
// gemini-embedding-001, and all embed alike. Predict takes instances
// {"content", "task_type", "title"} and parameters
// {"outputDimensionality", "autoTruncate"} and returns
// {"embeddings": {"values": [...], "statistics": {"token_count", "truncated"}}}
// per instance, as production does.
//
// A vector is built from the text's word unigrams and bigrams and its
// character 3–5-grams: the text is normalised (NFKC, case folding, Latin
// diacritics and Hebrew points removed, letters of every script kept),
// words get a light multilingual stemmer (Latin inflection endings;
// Hebrew final letters, one-letter prefixes and plural endings), function
// words of English, Spanish, Portuguese, French, German, Italian and
// Hebrew are down-weighted, counts are dampened (1 + ln tf), features are
// hashed (64-bit FNV-1a) with a sign bit into the requested dimension and
// the vector is L2-normalised. Texts that share words, stems or word
// pieces are close; paraphrases without shared vocabulary are not, and
// there is no cross-language similarity.
//
// # Generation
//
// The model answers the last user turn from what the prompt contains.
// Passages follow the convention of package shared/ai/prompt
// ("[source: ID] text" blocks); without passages, the sentences (and list
// items) of the system instruction and earlier turns are the material.
// Passages are ranked by similarity to the question with the same
// embedder; the answer (in English, Spanish or Hebrew, after the
// question's language) names the question's topic, points to the best one
// or two passages by their key words, cites them inline as [source: ID]
// and ends with a reflective question. It never copies a passage. With
// nothing relevant it says so and asks a question. Cited sources are also
// listed in citationMetadata (title = id, uri = "source:ID").
//
// generationConfig.responseMimeType "application/json" with
// responseSchema or responseJsonSchema yields JSON valid against the
// schema (objects, required properties, propertyOrdering, strings with
// length bounds and common formats, numbers and integers with bounds,
// booleans, enums — the value closest to the question wins — arrays with
// item bounds, anyOf/oneOf, $ref/$defs), filled from the same answer:
// properties are chosen by name ("sources"/"id" get passage ids,
// "question" the reflective question, "title"/"theme" key words,
// "score"/"confidence" the similarity, "answer"/"reply"/"text" the
// answer). "text/x.enum" returns the best enum value as plain text.
//
// usageMetadata and CountTokens use one deterministic tokenizer (a word
// costs one token per four characters, an ideograph or a symbol one).
// modelVersion is ModelVersion ("local-deterministic-1") and responseId
// starts with "local-", which is how callers tell the local model from
// Gemini. Equal requests give byte-identical responses.
// StreamGenerateContent sends the same text in up to three chunks; the
// last carries finishReason, citations and usage. maxOutputTokens cuts a
// text answer (finishReason MAX_TOKENS).
//
// Test hooks: InjectError / InjectErrorN per method, Calls per method,
// Options.Latency for an artificial delay, Options.OnRequest to see every
// request that reaches the model.
//
// # Known differences from production
//
//   - The model is a retrieval-and-template composer, not a language
//     model: answers are short, formulaic and only in English, Spanish or
//     Hebrew; temperature, topP, topK, seed, stop sequences, safety
//     settings, tools, function calling, cached content, thinking and
//     non-text parts (images, files, audio) are accepted and ignored.
//     Candidates are identical when candidateCount > 1.
//   - finishReason is always STOP (or MAX_TOKENS); no safety ratings and
//     no prompt feedback are returned. JSON answers are never cut by
//     maxOutputTokens.
//   - Schema keywords pattern, allOf, not, if/then, dependent schemas and
//     uniqueItems are not honoured; oneOf is treated as anyOf.
//   - Token counts come from the local tokenizer and differ from
//     Gemini's; CountTokens ignores tools and generationConfig.
//   - Embeddings are lexical (see above). outputDimensionality hashes
//     into that many components instead of truncating a longer vector,
//     so vectors of different sizes are unrelated; task types and titles
//     are accepted (a title is prepended to the content) but the
//     embedding is symmetric. The default size is Options.Dimension (768)
//     for every model, also gemini-embedding-001 (3072 in production).
//   - Limits enforced: 250 instances per Predict (1 for
//     gemini-embedding-*), 2,048 tokens per text (cut when autoTruncate
//     is true), 20,000 tokens per request, dimension 1–3072; counted with
//     the local tokenizer.
//   - Any project, location and model id is accepted (model or endpoint
//     resource names are only checked for shape); Predict on a
//     non-embedding publisher model is refused with InvalidArgument.
//   - No authentication, quotas or rate limits (ResourceExhausted only
//     through InjectError); createTime is not set.
package vertex
