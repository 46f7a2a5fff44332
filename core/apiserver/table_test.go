package apiserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

// tableDo sends a GET asking for Table output.
func (e *env) tableDo(path string) map[string]any {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept", tableAccept)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		e.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return decodeMap(e.t, rec.Body.Bytes())
}

func TestTableListAndGet(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("web", `"app":"web"`), 201)
	e.clock.Step(3*time.Minute + 2*time.Second)
	tab := e.tableDo("/api/v1/namespaces/default/pods")
	if tab["kind"] != "Table" || tab["apiVersion"] != "meta.k8s.io/v1" {
		t.Fatalf("not a Table: %v", tab)
	}
	cols := tab["columnDefinitions"].([]any)
	if get(cols[0], "name") != "Name" || get(cols[5], "name") != "IP" || get(cols[5], "priority") != 1.0 {
		t.Fatalf("columns %v", cols)
	}
	row := tab["rows"].([]any)[0]
	cells := get(row, "cells").([]any)
	if cells[0] != "web" || cells[1] != "0/1" || cells[2] != "Pending" || cells[4] != "3m2s" {
		t.Fatalf("cells %v", cells)
	}
	if get(row, "object", "kind") != "PartialObjectMetadata" || get(row, "object", "metadata", "name") != "web" {
		t.Fatalf("row object %v", get(row, "object"))
	}
	one := e.tableDo("/api/v1/namespaces/default/pods/web?includeObject=Object")
	if get(one["rows"].([]any)[0], "object", "spec", "containers") == nil {
		t.Fatalf("includeObject=Object lacks the spec: %v", one)
	}
	plain := e.mustDo("GET", "/api/v1/namespaces/default/pods/web", "", 200)
	if plain["kind"] != "Pod" {
		t.Fatalf("plain GET gave %v", plain["kind"])
	}
}

func TestTableWatch(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/namespaces/default/pods?watch=true", nil)
	req.Header.Set("Accept", tableAccept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("w1", ""), 201)
	var ev struct {
		Type   string         `json:"type"`
		Object map[string]any `json:"object"`
	}
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&ev); err != nil {
		t.Fatal(err)
	}
	rows, _ := ev.Object["rows"].([]any)
	if ev.Type != "ADDED" || ev.Object["kind"] != "Table" || len(rows) != 1 || get(rows[0], "cells").([]any)[0] != "w1" {
		t.Fatalf("event %+v", ev)
	}
}
