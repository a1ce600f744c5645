package main

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParseArgs(t *testing.T) {
	env := map[string]string{"OPENAI_API_KEY": "sk-env", "OPENAI_BASE_URL": "http://llm.local/v1"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		args    []string
		wantCmd string
		wantPos []string
		check   func(t *testing.T, o *options)
		wantErr error
	}{
		{name: "repl", args: nil, wantCmd: cmdREPL},
		{name: "flags before command", args: []string{"--kafka-brokers", "k:9092", "run", "a.sql"}, wantCmd: cmdRun, wantPos: []string{"a.sql"},
			check: func(t *testing.T, o *options) { eq(t, o.kafkaBrokers, "k:9092") }},
		{name: "flags after command", args: []string{"run", "--kafka-brokers", "k:9092", "a.sql", "b.sql"}, wantCmd: cmdRun, wantPos: []string{"a.sql", "b.sql"},
			check: func(t *testing.T, o *options) { eq(t, o.kafkaBrokers, "k:9092") }},
		{name: "flags between files", args: []string{"run", "a.sql", "-data-dir=/tmp/x", "b.sql"}, wantCmd: cmdRun, wantPos: []string{"a.sql", "b.sql"},
			check: func(t *testing.T, o *options) { eq(t, o.dataDir, "/tmp/x") }},
		{name: "double dash ends flags", args: []string{"run", "--", "--weird.sql"}, wantCmd: cmdRun, wantPos: []string{"--weird.sql"}},
		{name: "defaults", args: []string{"run", "a.sql"}, wantCmd: cmdRun, wantPos: []string{"a.sql"},
			check: func(t *testing.T, o *options) {
				eq(t, o.kafkaBrokers, "localhost:19092")
				eq(t, o.apiKey, "sk-env")
				eq(t, o.llmBaseURL, "http://llm.local/v1")
				eq(t, o.translationModel, "gpt-4o-mini")
				eq(t, o.dataDir, "./chatsql-data")
				eq(t, o.checkpointInterval, 10*time.Second)
			}},
		{name: "playground generate", args: []string{"playground", "--generate", "50", "q.sql"}, wantCmd: cmdPlayground, wantPos: []string{"q.sql"},
			check: func(t *testing.T, o *options) { eq(t, o.generate, 50.0) }},
		{name: "query format", args: []string{"query", "--format", "csv", "SELECT 1"}, wantCmd: cmdQuery, wantPos: []string{"SELECT 1"}},
		{name: "version", args: []string{"--version"}, check: func(t *testing.T, o *options) { eq(t, o.version, true) }},
		{name: "help", args: []string{"-h"}, wantErr: errHelp},
		{name: "unknown command", args: []string{"runn", "a.sql"}, wantErr: errUsage},
		{name: "unknown flag", args: []string{"--kafka-broker", "x"}, wantErr: errUsage},
		{name: "run without files", args: []string{"run"}, wantErr: errUsage},
		{name: "playground two files", args: []string{"playground", "a.sql", "b.sql"}, wantErr: errUsage},
		{name: "query without SQL", args: []string{"query"}, wantErr: errUsage},
		{name: "generate outside playground", args: []string{"run", "--generate", "5", "a.sql"}, wantErr: errUsage},
		{name: "format outside query", args: []string{"--format", "csv"}, wantErr: errUsage},
		{name: "bad format", args: []string{"query", "--format", "xml", "SELECT 1"}, wantErr: errUsage},
		{name: "bad log level", args: []string{"--log-level", "trace"}, wantErr: errUsage},
		{name: "negative rate", args: []string{"playground", "--generate", "-1"}, wantErr: errUsage},
		{name: "bad interval", args: []string{"--checkpoint-interval", "soon"}, wantErr: errUsage},
		{name: "zero interval", args: []string{"--checkpoint-interval", "0s"}, wantErr: errUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args, getenv)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			eq(t, o.command, tt.wantCmd)
			if len(o.args) > 0 || len(tt.wantPos) > 0 {
				eq(t, o.args, tt.wantPos)
			}
			if tt.check != nil {
				tt.check(t, o)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want map[string]string
	}{
		{name: "defaults without env", want: map[string]string{
			"kafka.brokers": "localhost:19092", "translation.modelName": "gpt-4o-mini",
			"execution.checkpointing.interval": "10s"}},
		{name: "env gives key and url", env: map[string]string{"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://u"},
			want: map[string]string{
				"kafka.brokers": "localhost:19092", "translation.modelName": "gpt-4o-mini",
				"execution.checkpointing.interval": "10s", "translation.api-key": "k", "translation.base-url": "http://u"}},
		{name: "flags win", args: []string{"--api-key", "f", "--translation-model", "m", "--checkpoint-interval", "1m", "--kafka-brokers", "b:1"},
			env: map[string]string{"OPENAI_API_KEY": "k"},
			want: map[string]string{
				"kafka.brokers": "b:1", "translation.modelName": "m",
				"execution.checkpointing.interval": "60s", "translation.api-key": "f"}},
		{name: "sub-second interval", args: []string{"--checkpoint-interval", "1500ms"}, want: map[string]string{
			"kafka.brokers": "localhost:19092", "translation.modelName": "gpt-4o-mini",
			"execution.checkpointing.interval": "1500ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseArgs(tt.args, func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			eq(t, o.settings(), tt.want)
		})
	}
}

func TestPlaygroundPort(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"localhost:19092", 19092, false},
		{"127.0.0.1:0", 0, false},
		{":29092", 29092, false},
		{"kafka.example.com:9092", 0, true},
		{"localhost:1,localhost:2", 0, true},
		{"localhost", 0, true},
		{"localhost:http", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := playgroundPort(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errUsage) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			eq(t, got, tt.want)
		})
	}
}

func eq[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}
