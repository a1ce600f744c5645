package udf

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// PromptVersion names the prompt TRANSLATE sends. Change it whenever the
// wording changes: translations cached or checkpointed under one version are
// not reused under another.
const PromptVersion = "v2"

// The v1 system prompt. The "(language code: xx)" part is what
// ParseTranslatePrompt (and so the fake server in udf/llmtest) reads back.
const (
	promptV1Head = "You are a translation engine for a chat application. Translate the user's message into "
	promptV1Code = " (language code: "
	promptV1Tail = "). Keep names, @mentions, #hashtags, emoji, URLs and code exactly as they are. " +
		"If the message is already in that language, return it unchanged. " +
		"Reply with the translation only: no quotes, no notes, no explanations."
)

// translateLanguages maps lower-case language codes to the names models know
// best. Region variants fall back to their base language.
var translateLanguages = map[string]string{
	"af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan",
	"cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek",
	"en": "English", "en-gb": "British English", "en-us": "American English", "es": "Spanish",
	"es-419": "Latin American Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
	"fi": "Finnish", "fil": "Filipino", "fr": "French", "fr-ca": "Canadian French", "ga": "Irish",
	"gl": "Galician", "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian",
	"hu": "Hungarian", "hy": "Armenian", "id": "Indonesian", "is": "Icelandic", "it": "Italian",
	"ja": "Japanese", "ka": "Georgian", "kk": "Kazakh", "km": "Khmer", "kn": "Kannada",
	"ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian", "ml": "Malayalam",
	"mr": "Marathi", "ms": "Malay", "mt": "Maltese", "my": "Burmese", "nb": "Norwegian Bokmål",
	"ne": "Nepali", "nl": "Dutch", "nn": "Norwegian Nynorsk", "no": "Norwegian", "pa": "Punjabi",
	"pl": "Polish", "pt": "Portuguese", "pt-br": "Brazilian Portuguese", "pt-pt": "European Portuguese",
	"ro": "Romanian", "ru": "Russian", "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian",
	"sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil",
	"te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian",
	"ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese", "zh": "Chinese (Simplified)",
	"zh-cn": "Chinese (Simplified)", "zh-hans": "Chinese (Simplified)", "zh-tw": "Chinese (Traditional)",
	"zh-hant": "Chinese (Traditional)", "zh-hk": "Chinese (Traditional, Hong Kong)", "zu": "Zulu",
}

// TranslateLanguageName returns the language name for a code such as "es",
// "pt-BR" or "zh_TW" (region variants fall back to the base language). A
// value that is already a name ("Spanish") or is unknown is returned trimmed.
func TranslateLanguageName(lang string) string {
	code := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"))
	if name, ok := translateLanguages[code]; ok {
		return name
	}
	if base, _, ok := strings.Cut(code, "-"); ok {
		if name, ok := translateLanguages[base]; ok {
			return name
		}
	}
	return strings.TrimSpace(lang)
}

// TranslatePrompt builds the chat messages of PromptVersion for translating
// text into lang: a system message with the instructions and the user
// message, which is the text itself.
func TranslatePrompt(text, lang string) (system, user string) {
	code := strings.TrimSpace(lang)
	return promptV1Head + TranslateLanguageName(code) + promptV1Code + code + promptV1Tail, text
}

// ParseTranslatePrompt reads back what TranslatePrompt wrote: the target
// language code and the text. ok is false for messages in another format.
func ParseTranslatePrompt(system, user string) (lang, text string, ok bool) {
	if !strings.HasPrefix(system, promptV1Head) || !strings.HasSuffix(system, promptV1Tail) {
		return "", "", false
	}
	mid := strings.TrimSuffix(system, promptV1Tail)
	i := strings.LastIndex(mid, promptV1Code)
	if i < 0 {
		return "", "", false
	}
	return mid[i+len(promptV1Code):], user, true
}

// translateQuotes are the pairs models wrap translations in unasked.
var translateQuotes = [][2]string{
	{`"`, `"`}, {"'", "'"}, {"“", "”"}, {"‘", "’"}, {"«", "»"}, {"„", "“"}, {"「", "」"}, {"『", "』"}, {"`", "`"},
}

// cleanTranslation trims the whitespace and the surrounding quotes a model
// adds, but keeps quotes that the source text itself had.
func cleanTranslation(out, source string) string {
	out = strings.TrimSpace(out)
	src := strings.TrimSpace(source)
	for changed := true; changed; {
		changed = false
		for _, q := range translateQuotes {
			if utf8.RuneCountInString(out) >= 2 && strings.HasPrefix(out, q[0]) && strings.HasSuffix(out, q[1]) &&
				!(strings.HasPrefix(src, q[0]) && strings.HasSuffix(src, q[1])) {
				out = strings.TrimSpace(out[len(q[0]) : len(out)-len(q[1])])
				changed = true
			}
		}
	}
	return out
}

// The batch prompt of PromptVersion: several texts into one language in one
// request. The user message is a JSON array of {"id":n,"text":"..."} (ids
// 1..n); the answer must be a JSON array of {"id":n,"text":"..."} with the
// same ids. ParseTranslateBatchPrompt reads it back (the fake server in
// udf/llmtest answers it).
const (
	promptBatchHead = "You are a translation engine for a chat application. The user message is a JSON array of chat messages, " +
		`each {"id": number, "text": string}. Translate the text of every message into `
	promptBatchTail = "). Keep names, @mentions, #hashtags, emoji, URLs and code exactly as they are. " +
		"A message already in that language is returned unchanged. Translate each message on its own. " +
		`Reply with a JSON array only, one {"id": number, "text": translation} per input message, ` +
		"with the same ids in the same order: no notes, no explanations, no code fences."
)

type batchItem struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}

// TranslateBatchPrompt builds the chat messages for translating texts into
// lang in one request.
func TranslateBatchPrompt(lang string, texts []string) (system, user string) {
	code := strings.TrimSpace(lang)
	items := make([]batchItem, len(texts))
	for i, t := range texts {
		items[i] = batchItem{ID: i + 1, Text: t}
	}
	b, _ := json.Marshal(items) // strings and ints always marshal
	return promptBatchHead + TranslateLanguageName(code) + promptV1Code + code + promptBatchTail, string(b)
}

// ParseTranslateBatchPrompt reads back what TranslateBatchPrompt wrote: the
// target language and the texts in id order. ok is false for other messages.
func ParseTranslateBatchPrompt(system, user string) (lang string, texts []string, ok bool) {
	if !strings.HasPrefix(system, promptBatchHead) || !strings.HasSuffix(system, promptBatchTail) {
		return "", nil, false
	}
	mid := strings.TrimSuffix(system, promptBatchTail)
	i := strings.LastIndex(mid, promptV1Code)
	if i < 0 {
		return "", nil, false
	}
	var items []batchItem
	if err := json.Unmarshal([]byte(user), &items); err != nil {
		return "", nil, false
	}
	texts = make([]string, len(items))
	for k, it := range items {
		if it.ID != k+1 {
			return "", nil, false
		}
		texts[k] = it.Text
	}
	return mid[i+len(promptV1Code):], texts, true
}

// FormatTranslateBatchAnswer is the answer the batch prompt asks for, for
// translations in id order (used by the fake server).
func FormatTranslateBatchAnswer(translations []string) string {
	items := make([]batchItem, len(translations))
	for i, t := range translations {
		items[i] = batchItem{ID: i + 1, Text: t}
	}
	b, _ := json.Marshal(items)
	return string(b)
}

// parseBatchAnswer matches a model's answer to a batch of n texts: a JSON
// array (possibly in a code fence or with text around it) of
// {"id","text"} objects covering ids 1..n exactly once, or of n strings.
// Anything else is errBatchMalformed.
func parseBatchAnswer(content string, sources []string) ([]string, error) {
	n := len(sources)
	s := strings.TrimSpace(content)
	start, end := strings.IndexByte(s, '['), strings.LastIndexByte(s, ']')
	if start < 0 || end < start {
		return nil, fmt.Errorf("%w: no JSON array in the answer", errBatchMalformed)
	}
	raw := []byte(s[start : end+1])
	var items []struct {
		ID   *int    `json:"id"`
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		var plain []string
		if json.Unmarshal(raw, &plain) != nil {
			return nil, fmt.Errorf("%w: %v", errBatchMalformed, err)
		}
		if len(plain) != n {
			return nil, fmt.Errorf("%w: %d translations for %d texts", errBatchMalformed, len(plain), n)
		}
		for i := range plain {
			plain[i] = cleanTranslation(plain[i], sources[i])
		}
		return plain, nil
	}
	if len(items) != n {
		return nil, fmt.Errorf("%w: %d translations for %d texts", errBatchMalformed, len(items), n)
	}
	out := make([]string, n)
	seen := make([]bool, n)
	for _, it := range items {
		if it.ID == nil || it.Text == nil || *it.ID < 1 || *it.ID > n || seen[*it.ID-1] {
			return nil, fmt.Errorf("%w: missing, unknown or repeated ids", errBatchMalformed)
		}
		seen[*it.ID-1] = true
		out[*it.ID-1] = cleanTranslation(*it.Text, sources[*it.ID-1])
	}
	return out, nil
}
