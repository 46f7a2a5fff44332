package labels

import (
	"fmt"
	"strings"
)

// The selector syntax, as `kubectl get -l` takes it:
//
//	selector    = "" | requirement { "," requirement }
//	requirement = "!" key
//	            | key
//	            | key ( "=" | "==" | "!=" ) [ value ]
//	            | key ( ">" | "<" ) integer
//	            | key ( "in" | "notin" ) "(" [ value ] { "," [ value ] } ")"
//
// Whitespace may surround any token. "in" and "notin" are operators only
// where an operator is expected, so they remain usable as keys and values.

// tokenKind says what a lexed token is.
type tokenKind int

const (
	tokEnd tokenKind = iota
	tokWord
	tokEquals
	tokDoubleEquals
	tokNotEquals
	tokBang
	tokGreater
	tokLess
	tokOpenParen
	tokCloseParen
	tokComma
)

// symbols maps each punctuation token to its kind.
var symbols = map[string]tokenKind{
	"=": tokEquals, "==": tokDoubleEquals, "!=": tokNotEquals, "!": tokBang,
	">": tokGreater, "<": tokLess, "(": tokOpenParen, ")": tokCloseParen, ",": tokComma,
}

// token is one lexed piece of the input; pos is its byte offset.
type token struct {
	kind tokenKind
	text string
	pos  int
}

// describe names a token the way error messages quote it.
func (t token) describe() string {
	if t.kind == tokEnd {
		return "end of string"
	}
	return "'" + t.text + "'"
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isPunctuation(c byte) bool {
	return strings.IndexByte("=!<>(),", c) >= 0
}

// lex splits the input into words and punctuation, ending with a tokEnd.
// Every byte is whitespace, punctuation or part of a word, so lexing never fails.
func lex(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isSpace(c):
			i++
		case isPunctuation(c):
			n := 1
			if (c == '=' || c == '!') && i+1 < len(s) && s[i+1] == '=' {
				n = 2
			}
			toks = append(toks, token{kind: symbols[s[i:i+n]], text: s[i : i+n], pos: i})
			i += n
		default:
			start := i
			for i < len(s) && !isSpace(s[i]) && !isPunctuation(s[i]) {
				i++
			}
			toks = append(toks, token{kind: tokWord, text: s[start:i], pos: start})
		}
	}
	return append(toks, token{kind: tokEnd, pos: len(s)})
}

// parser walks the tokens of one selector string.
type parser struct {
	toks []token
	next int
}

func (p *parser) peek() token {
	return p.toks[p.next]
}

func (p *parser) take() token {
	t := p.toks[p.next]
	if t.kind != tokEnd {
		p.next++
	}
	return t
}

// unexpected reports a token that does not fit, with its column (1-based).
func unexpected(t token, expected string) error {
	return fmt.Errorf("unable to parse requirement: found %s, expected: %s (at column %d)",
		t.describe(), expected, t.pos+1)
}

// Parse reads a label selector in the `kubectl -l` syntax, such as
// "app=web,tier in (api, db),!canary,replicas>2"; the empty string selects everything.
func Parse(s string) (Selector, error) {
	p := &parser{toks: lex(s)}
	if p.peek().kind == tokEnd {
		return Everything(), nil
	}
	var reqs []Requirement
	for {
		r, err := p.requirement()
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
		switch t := p.take(); t.kind {
		case tokEnd:
			return NewSelector(reqs...), nil
		case tokComma:
		default:
			return nil, unexpected(t, "',' or end of string")
		}
	}
}

// requirement parses one comma-free requirement.
func (p *parser) requirement() (Requirement, error) {
	start := p.peek()
	if start.kind == tokBang {
		p.take()
		key, err := p.word()
		if err != nil {
			return Requirement{}, err
		}
		return build(start, key, DoesNotExist, nil)
	}
	key, err := p.word()
	if err != nil {
		return Requirement{}, err
	}
	op := p.peek()
	switch {
	case op.kind == tokEnd || op.kind == tokComma:
		return build(start, key, Exists, nil)
	case op.kind == tokEquals || op.kind == tokDoubleEquals || op.kind == tokNotEquals:
		p.take()
		value, err := p.optionalValue()
		if err != nil {
			return Requirement{}, err
		}
		return build(start, key, Operator(op.text), []string{value})
	case op.kind == tokGreater || op.kind == tokLess:
		p.take()
		value, err := p.word()
		if err != nil {
			return Requirement{}, err
		}
		compare := GreaterThan
		if op.kind == tokLess {
			compare = LessThan
		}
		return build(start, key, compare, []string{value})
	case op.kind == tokWord && (op.text == string(In) || op.text == string(NotIn)):
		p.take()
		values, err := p.valueList()
		if err != nil {
			return Requirement{}, err
		}
		return build(start, key, Operator(op.text), values)
	}
	return Requirement{}, unexpected(op, "'=', '==', '!=', 'in', 'notin', '>', '<', ',' or end of string")
}

// build checks a parsed requirement, placing any error at its first token.
func build(start token, key string, op Operator, values []string) (Requirement, error) {
	r, err := NewRequirement(key, op, values)
	if err != nil {
		return Requirement{}, fmt.Errorf("unable to parse requirement: %w (at column %d)", err, start.pos+1)
	}
	return r, nil
}

// word consumes an identifier: a key, a value or an integer.
func (p *parser) word() (string, error) {
	t := p.take()
	if t.kind != tokWord {
		return "", unexpected(t, "identifier")
	}
	return t.text, nil
}

// optionalValue consumes the value after "=", "==" or "!=", which may be empty.
func (p *parser) optionalValue() (string, error) {
	switch t := p.peek(); t.kind {
	case tokWord:
		p.take()
		return t.text, nil
	case tokEnd, tokComma:
		return "", nil
	default:
		return "", unexpected(t, "identifier")
	}
}

// valueList consumes "(v1, v2, ...)"; a value left out between commas or
// parentheses is the empty value, as in Kubernetes.
func (p *parser) valueList() ([]string, error) {
	if t := p.take(); t.kind != tokOpenParen {
		return nil, unexpected(t, "'('")
	}
	var values []string
	for {
		value := ""
		if p.peek().kind == tokWord {
			value = p.take().text
		}
		values = append(values, value)
		switch t := p.take(); t.kind {
		case tokComma:
		case tokCloseParen:
			return values, nil
		default:
			return nil, unexpected(t, "',' or ')'")
		}
	}
}
