package server

import (
	"net/http"
	"slices"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// isTextFormat reports whether format is one renderText writes.
func isTextFormat(format expfmt.Format) bool {
	ft := format.FormatType()
	return ft == expfmt.TypeTextPlain || ft == expfmt.TypeOpenMetrics
}

// renderText writes a scrape's answer in a text format (the text format or
// OpenMetrics, negotiated as promhttp negotiates them) into bw, as
// promhttp.HandlerFor over gatherBoth(scrape, long) would write it: mfs,
// the families of the scrape and of long's collectors other than text
// families (gathered without error by scrapeGatherers), encoded by
// client_golang, and set, long's text families, appended by themselves,
// merged in name order. legacyNames tells that every name in mfs is valid
// in the legacy scheme (as familyGatherer checks), so that no family needs
// escaping. client_golang's Gather spends most of a scrape on
// large families (a dto.Metric per series, a label hash per series, a sort
// of every family); the text families skip all three.
//
// It writes nothing and reports false when promhttp has to answer instead:
// another format (protobuf), or a family name the text families share
// with the gathered ones (Gatherers' consistency checks).
func renderText(bw *scrapeBuffer, format expfmt.Format, mfs []*dto.MetricFamily, legacyNames bool, set *textSet, pl *promLogger) bool {
	if !isTextFormat(format) || textsClash(set, mfs) {
		return false
	}
	texts := set.families

	bw.Header().Set("Content-Type", string(format))
	openMetrics := format.FormatType() == expfmt.TypeOpenMetrics
	enc := newTextEncoder(&bw.body, format)
	if legacyNames {
		enc.scheme = model.NoEscaping
	}
	appendTexts := func(below string, all bool) {
		for len(texts) > 0 && (all || texts[0].FamilyName() < below) {
			t := texts[0]
			bw.body.appendWith(func(b []byte) []byte { return t.AppendText(b, openMetrics) })
			texts = texts[1:]
		}
	}
	for _, mf := range mfs {
		appendTexts(mf.GetName(), false)
		if err := enc.Encode(mf); err != nil {
			// promhttp's ContinueOnError: logged, the next family follows.
			pl.Println("error encoding and sending metric family:", err)
		}
	}
	appendTexts("", true)
	if openMetrics {
		_, _ = expfmt.FinalizeOpenMetrics(&bw.body) // the body does not fail
	}
	if bw.body.Len() > 0 && bw.status == 0 {
		bw.status = http.StatusOK
	}
	return true
}

// textsClash reports whether two text families share a name, or one shares
// a name with a gathered family (or with a name a gathered histogram or
// summary is flattened into), or a gathered family's name falls inside the
// names of a collector of several text families.
func textsClash(set *textSet, mfs []*dto.MetricFamily) bool {
	if set.dup || len(set.families) > 0 && collidesWith(mfs, set.names) {
		return true
	}
	for _, span := range set.spans {
		if slices.ContainsFunc(mfs, func(mf *dto.MetricFamily) bool { return inside(span, mf.GetName()) }) {
			return true
		}
	}
	return false
}

// textEncoder encodes a family as expfmt.NewEncoder(w, format) does for a
// text format. expfmt's encoder copies every family to escape its names
// (model.EscapeMetricFamily), though a family whose names are all valid in
// the legacy scheme comes out of the copy unchanged; this one copies only a
// family that needs it.
type textEncoder struct {
	w           *answerBody
	scheme      model.EscapingScheme
	openMetrics bool
}

func newTextEncoder(w *answerBody, format expfmt.Format) *textEncoder {
	return &textEncoder{w: w, scheme: format.ToEscapingScheme(), openMetrics: format.FormatType() == expfmt.TypeOpenMetrics}
}

func (e *textEncoder) Encode(mf *dto.MetricFamily) error {
	if e.scheme != model.NoEscaping && needsEscaping(mf) {
		mf = model.EscapeMetricFamily(mf, e.scheme)
	}
	var err error
	if e.openMetrics {
		_, err = expfmt.MetricFamilyToOpenMetrics(e.w, mf)
	} else {
		_, err = expfmt.MetricFamilyToText(e.w, mf)
	}
	return err
}

// needsEscaping reports whether model.EscapeMetricFamily would change a
// name of mf (its own conditions).
func needsEscaping(mf *dto.MetricFamily) bool {
	legacy := model.LegacyValidation.IsValidMetricName
	if mf.Name != nil && !legacy(mf.GetName()) {
		return true
	}
	for _, m := range mf.Metric {
		for _, l := range m.Label {
			if l.GetName() == model.MetricNameLabel && !legacy(l.GetValue()) || !legacy(l.GetName()) {
				return true
			}
		}
	}
	return false
}
