package udf

import (
	"strings"
	"unicode/utf8"
)

// PromptVersion names the prompt TRANSLATE sends. Change it whenever the
// wording changes: translations cached or checkpointed under one version are
// not reused under another.
const PromptVersion = "v1"

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
