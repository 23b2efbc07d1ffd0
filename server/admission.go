package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/relgate/relgate/attest"
)

// handleAdmission answers an admission.k8s.io/v1 AdmissionReview. A review
// it cannot read is a 400 with the reason; everything it can read gets an
// AdmissionReview back, allowed or denied by relgate.admission.
func (s *Server) handleAdmission(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if tooLarge(err) {
			httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", s.cfg.MaxBody))
			return
		}
		httpError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil {
		httpError(w, http.StatusBadRequest, "decode AdmissionReview: "+err.Error())
		return
	}
	if review.APIVersion != "admission.k8s.io/v1" || review.Kind != "AdmissionReview" {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("want an admission.k8s.io/v1 AdmissionReview, got %s %s", review.APIVersion, review.Kind))
		return
	}
	if review.Request == nil || review.Request.UID == "" {
		httpError(w, http.StatusBadRequest, "the AdmissionReview has no request (or no request uid)")
		return
	}
	resp, err := s.admit(r, review.Request)
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	resp.UID = review.Request.UID
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) admit(r *http.Request, req *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, error) {
	a := s.cfg.Admission
	if a.Environments.exempt(req.Namespace) {
		s.metrics.decisions.WithLabelValues("admission", "exempt").Inc()
		return &admissionv1.AdmissionResponse{Allowed: true}, nil
	}
	// Only what creates or changes pods carries images to check.
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return &admissionv1.AdmissionResponse{Allowed: true}, nil
	}
	images, known, err := extractImages(req.Kind.Kind, req.Object.Raw)
	if err != nil {
		return nil, err
	}
	st := s.state.Load()
	env := a.Environments.environment(req.Namespace)
	var fromRegistry []lookupResult
	if s.registry != nil {
		fromRegistry = s.registry.lookupAll(r.Context(), images)
	}
	now := time.Now()
	imgs := make([]map[string]any, 0, len(images))
	for i, img := range images {
		entry := map[string]any{"container": img.Container, "image": img.Image, "digest": img.Digest, "records": []any{}, "refused": []any{}}
		if img.Digest != "" {
			var recs []*attest.Record
			var refused []string
			var hit bool
			if fromRegistry != nil {
				recs, refused, hit = fromRegistry[i].recs, fromRegistry[i].refused, fromRegistry[i].hit
			} else {
				recs, refused, hit = st.records.lookup(r.Context(), img.Digest)
			}
			s.metrics.cache.WithLabelValues(map[bool]string{true: "hit", false: "miss"}[hit]).Inc()
			list := make([]any, 0, len(recs))
			for _, rec := range recs {
				rules := make([]any, 0, len(rec.Predicate.Violations.Rules))
				for _, id := range rec.Predicate.Violations.Rules {
					rules = append(rules, id)
				}
				list = append(list, map[string]any{
					"environment": rec.Predicate.Environment, "result": rec.Predicate.Result, "score": rec.Predicate.Score,
					"age_seconds": int64(now.Sub(rec.Time) / time.Second), "time": rec.Predicate.Time, "rules": rules,
					"violations": rec.Predicate.Violations.Count, "key_id": rec.KeyID,
				})
			}
			ref := make([]any, 0, len(refused))
			for _, x := range refused {
				ref = append(ref, x)
			}
			entry["records"], entry["refused"] = list, ref
		}
		imgs = append(imgs, entry)
	}
	input := map[string]any{
		"request": map[string]any{
			"uid": string(req.UID), "namespace": req.Namespace, "name": req.Name, "operation": string(req.Operation),
			"kind": map[string]any{"group": req.Kind.Group, "version": req.Kind.Version, "kind": req.Kind.Kind},
		},
		"environment":     env,
		"max_age_seconds": int64(a.MaxAge / time.Second),
		"failure_policy":  a.FailurePolicy,
		"unknown_kind":    !known,
		"images":          imgs,
	}
	v, err := st.admission.decide(r.Context(), input)
	if err != nil {
		return nil, err
	}
	resp := &admissionv1.AdmissionResponse{Allowed: v.Allowed, Warnings: v.Warnings}
	switch {
	case v.Allowed:
		s.metrics.decisions.WithLabelValues("admission", "allowed").Inc()
	case a.Mode == ModeWarn:
		// Dry run: admit, and tell the user what enforce mode would do.
		s.metrics.decisions.WithLabelValues("admission", "warned").Inc()
		resp.Allowed = true
		for _, reason := range v.Reasons {
			resp.Warnings = append(resp.Warnings, "relgate (warn mode) would deny: "+reason)
		}
	default:
		s.metrics.decisions.WithLabelValues("admission", "denied").Inc()
		resp.Result = &metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
			Message: "relgate: " + strings.Join(v.Reasons, "; "),
		}
	}
	return resp, nil
}
