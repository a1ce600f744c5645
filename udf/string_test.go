package udf

import (
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

func TestStringFunctions(t *testing.T) {
	runCases(t, []fcase{
		{fn: "CONCAT", args: []types.Value{s("a"), s("b"), s("c")}, want: "VARCHAR:abc"},
		{fn: "CONCAT", args: []types.Value{i(1), s("a")}, want: "VARCHAR:1a"},
		{fn: "CONCAT", args: []types.Value{s("x"), f(2.5), dec("1.50"), b(true)}, want: "VARCHAR:x2.51.50TRUE"},
		{fn: "CONCAT", args: []types.Value{s("t="), ts("2024-01-02 03:04:05")}, want: "VARCHAR:t=2024-01-02 03:04:05.000"},
		{fn: "CONCAT", args: []types.Value{s("a"), null}, want: "NULL"},
		{fn: "CONCAT", args: nil, err: ErrArgCount},
		{fn: "CONCAT_WS", args: []types.Value{s(","), s("a"), null, i(3)}, want: "VARCHAR:a,3"},
		{fn: "CONCAT_WS", args: []types.Value{null, s("a")}, want: "NULL"},
		{fn: "LENGTH", args: []types.Value{s("héllo")}, want: "BIGINT:6"},
		{fn: "CHAR_LENGTH", args: []types.Value{s("héllo")}, want: "BIGINT:5"},
		{fn: "CHARACTER_LENGTH", args: []types.Value{s("")}, want: "BIGINT:0"},
		{fn: "LENGTH", args: []types.Value{null}, want: "NULL"},
		{fn: "LENGTH", args: []types.Value{s("a"), s("b")}, err: ErrArgCount},
		{fn: "LOWER", args: []types.Value{s("HeLLo É")}, want: "VARCHAR:hello é"},
		{fn: "LCASE", args: []types.Value{s("ABC")}, want: "VARCHAR:abc"},
		{fn: "UPPER", args: []types.Value{s("straße")}, want: "VARCHAR:STRAßE"},
		{fn: "UCASE", args: []types.Value{s("abc")}, want: "VARCHAR:ABC"},
		{fn: "TRIM", args: []types.Value{s("  a b  ")}, want: "VARCHAR:a b"},
		{fn: "TRIM", args: []types.Value{s("xxaxx"), s("x"), s("BOTH")}, want: "VARCHAR:a"},
		{fn: "TRIM", args: []types.Value{s("xxaxx"), s("x"), s("LEADING")}, want: "VARCHAR:axx"},
		{fn: "TRIM", args: []types.Value{s("xxaxx"), s("x"), s("TRAILING")}, want: "VARCHAR:xxa"},
		{fn: "TRIM", args: []types.Value{s("abab-ab"), s("ab")}, want: "VARCHAR:-"},
		{fn: "TRIM", args: []types.Value{s("xa"), s("x"), s("SIDEWAYS")}, err: ErrArgValue},
		{fn: "TRIM", args: []types.Value{s("xa"), null}, want: "NULL"},
		{fn: "LTRIM", args: []types.Value{s("  a  ")}, want: "VARCHAR:a  "},
		{fn: "RTRIM", args: []types.Value{s("  a  ")}, want: "VARCHAR:  a"},
		{fn: "SUBSTRING", args: []types.Value{s("hello"), i(2)}, want: "VARCHAR:ello"},
		{fn: "SUBSTRING", args: []types.Value{s("hello"), i(-3)}, want: "VARCHAR:llo"},
		{fn: "SUBSTRING", args: []types.Value{s("hello"), i(2), i(3)}, want: "VARCHAR:ell"},
		{fn: "SUBSTRING", args: []types.Value{s("hello"), i(0)}, want: "VARCHAR:"},
		{fn: "SUBSTRING", args: []types.Value{s("hello"), i(10)}, want: "VARCHAR:"},
		{fn: "SUBSTRING", args: []types.Value{s("hello"), i(-10)}, want: "VARCHAR:"},
		{fn: "SUBSTRING", args: []types.Value{s("hello"), i(2), i(-1)}, want: "VARCHAR:"},
		{fn: "SUBSTR", args: []types.Value{s("¡Hola mundo!"), i(2), i(4)}, want: "VARCHAR:Hola"},
		{fn: "MID", args: []types.Value{s("hello"), s("2"), s("2")}, want: "VARCHAR:el"},
		{fn: "SUBSTRING", args: []types.Value{s("hello"), null}, want: "NULL"},
		{fn: "SUBSTRING", args: []types.Value{s("hello")}, err: ErrArgCount},
		{fn: "LEFT", args: []types.Value{s("héllo"), i(2)}, want: "VARCHAR:hé"},
		{fn: "LEFT", args: []types.Value{s("abc"), i(-1)}, want: "VARCHAR:"},
		{fn: "RIGHT", args: []types.Value{s("héllo"), i(3)}, want: "VARCHAR:llo"},
		{fn: "RIGHT", args: []types.Value{s("ab"), i(5)}, want: "VARCHAR:ab"},
		{fn: "REPLACE", args: []types.Value{s("aXbXc"), s("X"), s("--")}, want: "VARCHAR:a--b--c"},
		{fn: "REPLACE", args: []types.Value{s("abc"), s(""), s("z")}, want: "VARCHAR:abc"},
		{fn: "REVERSE", args: []types.Value{s("abc")}, want: "VARCHAR:cba"},
		{fn: "REVERSE", args: []types.Value{s("añb")}, want: "VARCHAR:bña"},
		{fn: "REPEAT", args: []types.Value{s("ab"), i(3)}, want: "VARCHAR:ababab"},
		{fn: "REPEAT", args: []types.Value{s("ab"), i(0)}, want: "VARCHAR:"},
		{fn: "REPEAT", args: []types.Value{s("ab"), i(1 << 40)}, want: "NULL"},
		{fn: "LPAD", args: []types.Value{s("hi"), i(5), s("?")}, want: "VARCHAR:???hi"},
		{fn: "LPAD", args: []types.Value{s("hi"), i(7), s("ab")}, want: "VARCHAR:ababahi"},
		{fn: "LPAD", args: []types.Value{s("hello"), i(2), s("?")}, want: "VARCHAR:he"},
		{fn: "LPAD", args: []types.Value{s("hi"), i(4), s("")}, want: "NULL"},
		{fn: "LPAD", args: []types.Value{s("hi"), i(-1), s("x")}, want: "NULL"},
		{fn: "LPAD", args: []types.Value{s("hi"), i(5)}, err: ErrArgCount},
		{fn: "RPAD", args: []types.Value{s("hi"), i(5), s("ñ")}, want: "VARCHAR:hiñññ"},
		{fn: "INSTR", args: []types.Value{s("foobarbar"), s("bar")}, want: "BIGINT:4"},
		{fn: "INSTR", args: []types.Value{s("xbar"), s("foo")}, want: "BIGINT:0"},
		{fn: "INSTR", args: []types.Value{s("¡Hola"), s("la")}, want: "BIGINT:4"},
		{fn: "LOCATE", args: []types.Value{s("b"), s("abc")}, want: "BIGINT:2"},
		{fn: "LOCATE", args: []types.Value{s("bar"), s("foobarbar"), i(5)}, want: "BIGINT:7"},
		{fn: "LOCATE", args: []types.Value{s("b"), s("abc"), i(0)}, want: "BIGINT:0"},
		{fn: "LOCATE", args: []types.Value{s(""), s("abc"), i(2)}, want: "BIGINT:2"},
		{fn: "POSITION", args: []types.Value{s("c"), s("abc")}, want: "BIGINT:3"},
		{fn: "SPACE", args: []types.Value{i(3)}, want: "VARCHAR:   "},
		{fn: "SPACE", args: []types.Value{i(-3)}, want: "VARCHAR:"},
		{fn: "SUBSTRING_INDEX", args: []types.Value{s("www.mysql.com"), s("."), i(2)}, want: "VARCHAR:www.mysql"},
		{fn: "SUBSTRING_INDEX", args: []types.Value{s("www.mysql.com"), s("."), i(-2)}, want: "VARCHAR:mysql.com"},
		{fn: "SUBSTRING_INDEX", args: []types.Value{s("www.mysql.com"), s("."), i(5)}, want: "VARCHAR:www.mysql.com"},
		{fn: "SUBSTRING_INDEX", args: []types.Value{s("a.b"), s("."), i(0)}, want: "VARCHAR:"},
		{fn: "ASCII", args: []types.Value{s("A")}, want: "INT:65"},
		{fn: "ASCII", args: []types.Value{s("")}, want: "INT:0"},
		{fn: "HEX", args: []types.Value{s("abc")}, want: "VARCHAR:616263"},
		{fn: "HEX", args: []types.Value{i(255)}, want: "VARCHAR:FF"},
		{fn: "HEX", args: []types.Value{i(-1)}, want: "VARCHAR:FFFFFFFFFFFFFFFF"},
		{fn: "MD5", args: []types.Value{s("abc")}, want: "VARCHAR:900150983cd24fb0d6963f7d28e17f72"},
		{fn: "SHA1", args: []types.Value{s("abc")}, want: "VARCHAR:a9993e364706816aba3e25717850c26c9cd0d89d"},
		{fn: "SHA", args: []types.Value{s("abc")}, want: "VARCHAR:a9993e364706816aba3e25717850c26c9cd0d89d"},
		{fn: "SHA2", args: []types.Value{s("abc"), i(256)}, want: "VARCHAR:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{fn: "SHA2", args: []types.Value{s("abc"), i(0)}, want: "VARCHAR:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{fn: "SHA2", args: []types.Value{s("abc"), i(7)}, want: "NULL"},
		{fn: "TO_BASE64", args: []types.Value{s("abc")}, want: "VARCHAR:YWJj"},
		{fn: "FROM_BASE64", args: []types.Value{s("YWJj")}, want: "VARCHAR:abc"},
		{fn: "FROM_BASE64", args: []types.Value{s("YW Jj\n")}, want: "VARCHAR:abc"},
		{fn: "FROM_BASE64", args: []types.Value{s("!!")}, want: "NULL"},
		{fn: "STRCMP", args: []types.Value{s("a"), s("b")}, want: "INT:-1"},
		{fn: "STRCMP", args: []types.Value{s("b"), s("b")}, want: "INT:0"},
		{fn: "STRCMP", args: []types.Value{s("c"), s("b")}, want: "INT:1"},
		{fn: "INITCAP", args: []types.Value{s("hello wORLD-foo 2nd")}, want: "VARCHAR:Hello World-Foo 2nd"},
		{fn: "SPLIT_INDEX", args: []types.Value{s("a,b,c"), s(","), i(1)}, want: "VARCHAR:b"},
		{fn: "SPLIT_INDEX", args: []types.Value{s("a,b,c"), s(","), i(0)}, want: "VARCHAR:a"},
		{fn: "SPLIT_INDEX", args: []types.Value{s("a,b,c"), s(","), i(2)}, want: "VARCHAR:c"},
		{fn: "SPLIT_INDEX", args: []types.Value{s("a,b,c"), s(","), i(3)}, want: "NULL"},
		{fn: "SPLIT_INDEX", args: []types.Value{s("a,b,c"), s(","), i(-1)}, want: "NULL"},
		{fn: "FIELD", args: []types.Value{s("ej"), s("Hej"), s("ej"), s("Heja")}, want: "BIGINT:2"},
		{fn: "FIELD", args: []types.Value{s("x"), s("a")}, want: "BIGINT:0"},
		{fn: "FIELD", args: []types.Value{null, s("a")}, want: "BIGINT:0"},
		{fn: "FIELD", args: []types.Value{i(2), i(1), f(2.0)}, want: "BIGINT:2"},
		{fn: "ELT", args: []types.Value{i(2), s("a"), s("b")}, want: "VARCHAR:b"},
		{fn: "ELT", args: []types.Value{i(3), s("a"), s("b")}, want: "NULL"},
		{fn: "ELT", args: []types.Value{i(0), s("a")}, want: "NULL"},
		{fn: "FIND_IN_SET", args: []types.Value{s("b"), s("a,b,c,d")}, want: "BIGINT:2"},
		{fn: "FIND_IN_SET", args: []types.Value{s("z"), s("a,b")}, want: "BIGINT:0"},
		{fn: "FIND_IN_SET", args: []types.Value{s("a,b"), s("a,b")}, want: "BIGINT:0"},
		{fn: "FIND_IN_SET", args: []types.Value{null, s("a,b")}, want: "NULL"},
		{fn: "QUOTE", args: []types.Value{s("Don't!")}, want: `VARCHAR:'Don\'t!'`},
		{fn: "QUOTE", args: []types.Value{null}, want: "VARCHAR:NULL"},
	})
}

func TestRegexpFunctions(t *testing.T) {
	runCases(t, []fcase{
		{fn: "REGEXP_LIKE", args: []types.Value{s("Michael!"), s(".*")}, want: "BOOLEAN:TRUE"},
		{fn: "REGEXP_LIKE", args: []types.Value{s("abc"), s("^B")}, want: "BOOLEAN:FALSE"},
		{fn: "REGEXP_LIKE", args: []types.Value{s("abc"), s("^A"), s("i")}, want: "BOOLEAN:TRUE"},
		{fn: "REGEXP_LIKE", args: []types.Value{s("abc"), s("^B"), s("q")}, err: ErrArgValue},
		{fn: "REGEXP_LIKE", args: []types.Value{s("abc"), s("(")}, err: ErrArgValue},
		{fn: "REGEXP_LIKE", args: []types.Value{null, s("a")}, want: "NULL"},
		{fn: "REGEXP_REPLACE", args: []types.Value{s("a b c"), s("b"), s("X")}, want: "VARCHAR:a X c"},
		{fn: "REGEXP_REPLACE", args: []types.Value{s("abc def ghi"), s("[a-z]+"), s("X"), i(1), i(3)}, want: "VARCHAR:abc def X"},
		{fn: "REGEXP_REPLACE", args: []types.Value{s("abc def"), s("[a-z]+"), s("X"), i(2)}, want: "VARCHAR:aX X"},
		{fn: "REGEXP_REPLACE", args: []types.Value{s("john smith"), s("(\\w+) (\\w+)"), s("$2, $1")}, want: "VARCHAR:smith, john"},
		{fn: "REGEXP_SUBSTR", args: []types.Value{s("abc def ghi"), s("[a-z]+"), i(1), i(3)}, want: "VARCHAR:ghi"},
		{fn: "REGEXP_SUBSTR", args: []types.Value{s("abc"), s("x")}, want: "NULL"},
		{fn: "REGEXP_INSTR", args: []types.Value{s("dog cat dog"), s("dog"), i(2)}, want: "BIGINT:9"},
		{fn: "REGEXP_INSTR", args: []types.Value{s("aa aaa"), s("a{3}"), i(1), i(1), i(1)}, want: "BIGINT:7"},
		{fn: "REGEXP_INSTR", args: []types.Value{s("xyz"), s("a")}, want: "BIGINT:0"},
	})
}

func TestLikeMatcher(t *testing.T) {
	cases := []struct {
		pattern string
		escape  byte
		in      string
		want    bool
	}{
		{"abc", 0, "abc", true},
		{"abc", 0, "abcd", false},
		{"ab%", 0, "abcd", true},
		{"ab%", 0, "xabcd", false},
		{"%cd", 0, "abcd", true},
		{"%bc%", 0, "abcd", true},
		{"%bc%", 0, "acbd", false},
		{"a_c", 0, "abc", true},
		{"a_c", 0, "añc", true},
		{"a_c", 0, "ac", false},
		{"%a%b%c%", 0, "xxaxxbxxcxx", true},
		{"%a%b%c%", 0, "xxaxxcxxbxx", false},
		{"a%c_", 0, "abcbcd", true},
		{"%", 0, "", true},
		{"", 0, "", true},
		{"", 0, "a", false},
		{`100\%`, '\\', "100%", true},
		{`100\%`, '\\', "1000", false},
		{`a\_b`, '\\', "a_b", true},
		{`a\_b`, '\\', "axb", false},
		{"ABC", 0, "abc", false},
		{"%%x", 0, "yyx", true},
		{"_%_", 0, "a", false},
		{"_%_", 0, "ab", true},
		{"%aab", 0, "aaab", true},
		{"%abc%d", 0, "ababcabcd", true},
		{"%a_c", 0, "abcac", false},
		{"%a_c", 0, "abcaxc", true},
		{"%spam%offer%", 0, "offer spam", false},
		{"%spam%offer%", 0, "spam offer", true},
	}
	for _, c := range cases {
		t.Run(c.pattern+"~"+c.in, func(t *testing.T) {
			if got := LikeMatcher(c.pattern, c.escape)(c.in); got != c.want {
				t.Fatalf("LIKE %q on %q = %v, want %v", c.pattern, c.in, got, c.want)
			}
		})
	}
}

func TestCompileRegexpCache(t *testing.T) {
	a, err := CompileRegexp("^a+$")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := CompileRegexp("^a+$")
	if a != b {
		t.Fatal("second compile did not come from the cache")
	}
	if _, err := CompileRegexp("("); err == nil {
		t.Fatal("bad pattern compiled")
	}
}
