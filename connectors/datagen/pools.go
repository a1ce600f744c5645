package datagen

// The word pools behind the synthetic chat. Real chat repeats itself: a
// handful of short phrases, emoji and greetings make a large share of all
// messages, so they are drawn with a skew (the first entries most often).

var firstNames = []string{
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki",
	"sofia", "mateo", "lucia", "diego", "camille", "louis", "lena", "jonas", "ana", "joao",
	"hana", "haruto", "wei", "mei", "dmitri", "olga", "giulia", "marco", "minjun", "seoyeon",
	"amir", "fatima", "arjun", "priya", "liam", "emma", "noah", "ava", "lucas", "mia",
	"ethan", "zoe", "leo", "chloe", "max", "nina", "omar", "sara", "tom", "kate",
}

var handleWords = []string{
	"cool", "dark", "pixel", "ninja", "cat", "wolf", "neo", "star", "byte", "fox",
	"lucky", "sky", "zen", "red", "blue", "gamer", "code", "moon", "storm", "echo",
}

var roomNames = []string{
	"general", "random", "help", "gaming", "music", "dev", "memes", "sports", "movies", "books",
	"travel", "food", "crypto", "art", "news", "jobs", "pets", "anime", "science", "offtopic",
}

// languages and their weights (percent): who reads (and mostly writes) what.
var languages = []struct {
	code   string
	weight int
}{
	{"en", 38}, {"es", 15}, {"pt", 9}, {"fr", 7}, {"de", 6}, {"ja", 5}, {"zh", 5},
	{"ru", 4}, {"it", 3}, {"ko", 3}, {"ar", 2}, {"hi", 2}, {"tr", 1},
}

// shortPhrases are the frequent, language-neutral messages.
var shortPhrases = []string{
	"lol", "ok", "hi", "thanks!", "haha", "yes", "gg", "👍", "😂", "no",
	"nice", "same", "lmao", "ty", "omg", "wow", "hello", "+1", "brb", "np",
	"😂😂😂", "❤️", "🔥🔥", "yeah", "true", "ikr", "gm", "gn", "?", "🙏",
	"cool", "sure", "idk", "xD", "good morning", "see you", "agreed", "wait what", "😅", "💯",
}

var joinTexts = []string{
	"Hello world!", "hi everyone", "hey all 👋", "hello!", "gm", "hi", "what's up?", "hey",
	"Hola a todos", "Bonjour !", "こんにちは", "Привет всем",
}

var leaveTexts = []string{
	"bye!", "gotta go", "see you later", "gn all", "cya", "bye 👋", "later!", "going offline",
}

var urls = []string{
	"https://github.com/chatsql/chatsql", "https://youtu.be/dQw4w9WgXcQ", "https://en.wikipedia.org/wiki/Stream_processing",
	"https://news.ycombinator.com/item?id=38721234", "https://www.reddit.com/r/programming/", "https://kafka.apache.org/documentation/",
	"https://imgur.com/gallery/x7Fq2", "https://twitter.com/i/status/1742013",
}

var urlIntros = []string{"check this out", "look", "lol", "this is great", "", "relevant:", "have you seen this?", "mira esto", "regardez"}

var mentionTails = []string{
	"thanks!", "are you there?", "lol", "agreed", "you're right", "can you help me?", "welcome!", "gg",
	"did you see that?", "😂", "same here", "good point",
}

// sentences by language: ordinary messages, questions and answers.
type phrasebook struct{ say, ask, answer []string }

var phrasebooks = map[string]phrasebook{
	"en": {
		say: []string{"Hello world!", "I just finished the new episode", "this game is so hard",
			"the weather is great today", "I'm working from home today", "we should play again tonight",
			"I love this song", "the meeting ran late again", "just got back from the gym", "pizza for dinner tonight"},
		ask: []string{"how are you?", "anyone here?", "what time is the stream?", "does anyone know how to fix this?",
			"where are you from?", "what are you playing?", "has anyone tried the new update?", "is the server down?"},
		answer: []string{"I'm good, thanks", "yes, it works for me", "no idea sorry", "try restarting it",
			"from Canada", "in about an hour", "it's back up now", "I think so"},
	},
	"es": {
		say: []string{"¡Hola mundo!", "hoy hace mucho calor", "me encanta esta canción", "acabo de llegar a casa",
			"este juego es muy difícil", "vamos a jugar esta noche", "qué buen partido"},
		ask:    []string{"¿cómo estás?", "¿alguien sabe cómo arreglar esto?", "¿de dónde eres?", "¿a qué hora empieza?"},
		answer: []string{"bien, gracias", "sí, a mí me funciona", "ni idea", "de México", "en una hora"},
	},
	"pt": {
		say:    []string{"Olá a todos!", "hoje está muito quente", "adoro essa música", "acabei de chegar em casa", "esse jogo é difícil demais"},
		ask:    []string{"tudo bem?", "alguém sabe resolver isso?", "de onde você é?", "que horas começa?"},
		answer: []string{"tudo ótimo, obrigado", "sim, funciona aqui", "não faço ideia", "do Brasil"},
	},
	"fr": {
		say:    []string{"Bonjour tout le monde !", "il fait beau aujourd'hui", "j'adore cette chanson", "je viens de rentrer", "ce jeu est trop dur"},
		ask:    []string{"ça va ?", "quelqu'un sait comment réparer ça ?", "tu viens d'où ?", "ça commence à quelle heure ?"},
		answer: []string{"ça va bien, merci", "oui, ça marche chez moi", "aucune idée", "de Paris"},
	},
	"de": {
		say:    []string{"Hallo zusammen!", "heute ist das Wetter super", "ich liebe dieses Lied", "bin gerade nach Hause gekommen", "das Spiel ist echt schwer"},
		ask:    []string{"wie geht's?", "weiß jemand, wie man das repariert?", "woher kommst du?", "wann geht es los?"},
		answer: []string{"gut, danke", "ja, bei mir geht es", "keine Ahnung", "aus Berlin"},
	},
	"ja": {
		say:    []string{"こんにちは！", "今日はいい天気ですね", "この曲大好き", "ただいま", "このゲーム難しすぎる"},
		ask:    []string{"元気ですか？", "誰かこれの直し方わかる？", "どこから来たの？", "何時から始まる？"},
		answer: []string{"元気です、ありがとう", "うん、動くよ", "わからない", "東京から"},
	},
	"zh": {
		say:    []string{"大家好！", "今天天气很好", "我很喜欢这首歌", "我刚到家", "这个游戏太难了"},
		ask:    []string{"你好吗？", "有人知道怎么解决吗？", "你是哪里人？", "几点开始？"},
		answer: []string{"很好，谢谢", "是的，我这里可以", "不知道", "我来自上海"},
	},
	"ru": {
		say:    []string{"Всем привет!", "сегодня отличная погода", "обожаю эту песню", "только что пришёл домой", "эта игра очень сложная"},
		ask:    []string{"как дела?", "кто-нибудь знает, как это исправить?", "откуда ты?", "во сколько начало?"},
		answer: []string{"хорошо, спасибо", "да, у меня работает", "понятия не имею", "из Москвы"},
	},
}
