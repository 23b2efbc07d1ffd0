package server

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// image is one container image of a workload.
type image struct {
	Container string `json:"container"`
	Image     string `json:"image"`
	Digest    string `json:"digest"` // "" when referenced by tag only
}

// extractImages reads the images of a Pod or of a workload's pod template.
// known is false for a kind relgate does not read.
func extractImages(kind string, raw []byte) (images []image, known bool, err error) {
	var spec *corev1.PodSpec
	decode := func(v any) error {
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("decode %s: %w", kind, err)
		}
		return nil
	}
	switch kind {
	case "Pod":
		var o corev1.Pod
		err, spec = decode(&o), &o.Spec
	case "Deployment":
		var o appsv1.Deployment
		err, spec = decode(&o), &o.Spec.Template.Spec
	case "StatefulSet":
		var o appsv1.StatefulSet
		err, spec = decode(&o), &o.Spec.Template.Spec
	case "DaemonSet":
		var o appsv1.DaemonSet
		err, spec = decode(&o), &o.Spec.Template.Spec
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		err, spec = decode(&o), &o.Spec.Template.Spec
	case "Job":
		var o batchv1.Job
		err, spec = decode(&o), &o.Spec.Template.Spec
	case "CronJob":
		var o batchv1.CronJob
		err, spec = decode(&o), &o.Spec.JobTemplate.Spec.Template.Spec
	default:
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	add := func(name, ref string) {
		images = append(images, image{Container: name, Image: ref, Digest: digestOf(ref)})
	}
	for _, c := range spec.InitContainers {
		add(c.Name, c.Image)
	}
	for _, c := range spec.Containers {
		add(c.Name, c.Image)
	}
	for _, c := range spec.EphemeralContainers {
		add(c.Name, c.Image)
	}
	return images, true, nil
}

// digestOf returns the digest of a reference like repo@sha256:<hex>, or ""
// when the reference names a tag (mutable) or a malformed digest.
func digestOf(ref string) string {
	_, d, ok := strings.Cut(ref, "@")
	if !ok {
		return ""
	}
	alg, h, ok := strings.Cut(d, ":")
	want := map[string]int{"sha256": 64, "sha512": 128}[alg]
	if !ok || want == 0 || len(h) != want {
		return ""
	}
	if _, err := hex.DecodeString(h); err != nil || strings.ToLower(h) != h {
		return ""
	}
	return d
}
