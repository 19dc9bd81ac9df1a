package demo

import (
	"fmt"
	"strconv"
	"time"
)

// LAAFFIC traffic of the demo: IVR records in the three body shapes.

type recordOpts struct {
	callStatus any // int code, or nil for records before callStatus existed
	typ        int
	currency   string // "USD", "EUR" or "" (= USD)
	costEur    bool   // name the cost "costEur", as the vendor's example body does
	recall     bool
	stringy    bool // numbers as strings, as some pushes send them
}

func (g *generator) randomRecordOpts() recordOpts {
	cs := g.weighted([]string{"50", "20", "10", "30", "40", "60", "null"}, []int{55, 20, 10, 6, 4, 2, 3})
	o := recordOpts{typ: int(g.weighted([]string{"1", "2", "3", "4"}, []int{60, 25, 10, 5})[0] - '0')}
	if cs != "null" {
		o.callStatus, _ = strconv.Atoi(cs)
	}
	o.currency = g.weighted([]string{"USD", "EUR", ""}, []int{50, 35, 15})
	o.costEur = o.currency == "EUR" && g.rnd.IntN(2) == 0
	o.recall = g.rnd.IntN(10) == 0
	o.stringy = g.rnd.IntN(5) == 0
	return o
}

func (g *generator) laafficRecord(o recordOpts) map[string]any {
	submit := g.now().Add(-time.Duration(60+g.rnd.IntN(120)) * time.Second)
	call := submit.Add(time.Duration(500+g.rnd.IntN(20000)) * time.Millisecond)
	ringing := call.Add(time.Duration(800+g.rnd.IntN(2500)) * time.Millisecond)
	ringDur := 1 + g.rnd.IntN(25)
	connected := o.callStatus == 50 || (o.callStatus == nil && g.rnd.IntN(2) == 0)
	talk := 0
	var answer any = 0
	hangup := ringing.Add(time.Duration(ringDur) * time.Second)
	if connected {
		talk = 3 + g.rnd.IntN(90)
		a := ringing.Add(time.Duration(ringDur) * time.Second)
		answer = a.UnixMilli()
		hangup = a.Add(time.Duration(talk) * time.Second)
	}
	period := g.weighted([]string{"20+20", "60+60", "1+1", "30+6"}, []int{40, 40, 15, 5})
	charged := 0
	if talk > 0 {
		first, _ := strconv.Atoi(period[:len(period)/2])
		charged = ((talk + first - 1) / first) * first
	}
	rate := 0.0125 + float64(g.rnd.IntN(30))/1000
	cost := rate * float64(charged) / 60
	sip, term := "200", "0"
	if !connected {
		sip = g.pick("486", "480", "404", "503", "603")
		term = g.pick("486", "480", "1")
	} else if g.rnd.IntN(2) == 0 {
		term = "200"
	}
	key := g.weighted([]string{"-1", "1", "2", "0", "*"}, []int{50, 25, 15, 7, 3})
	r := map[string]any{
		"voiceId":           g.id("22121"),
		"type":              o.typ,
		"callee":            fmt.Sprintf("63%09d", g.rnd.IntN(1e9)),
		"displayNum":        "6311012125",
		"submitTime":        submit.UnixMilli(),
		"callTime":          call.UnixMilli(),
		"ringingTime":       ringing.UnixMilli(),
		"answerTime":        answer,
		"hangupTime":        hangup.UnixMilli(),
		"chargedDuration":   charged,
		"callDuration":      talk,
		"billPeriod":        period,
		"code":              g.pick("India(Karnataka)", "India(Maharashtra)", "Philippines(Globe)", "Indonesia(Telkomsel)", "Mexico(Telcel)", "Nigeria(MTN)"),
		"voiceFileId":       "12043042052c5b61378df42324286fe4a4ace40ve.mp3",
		"recordingFileId":   g.id("rec-") + ".wav",
		"rate":              strconv.FormatFloat(rate, 'f', 6, 64),
		"baseCost":          strconv.FormatFloat(cost*0.6, 'f', 6, 64),
		"terminationCode":   term,
		"terminationReason": map[bool]string{true: "Called hang up", false: "No answer"}[connected],
		"sipCode":           sip,
		"feedbackValue":     key,
		"calledInfo":        "order 1234 for Juan",
		"ringDuration":      ringDur,
		"currency":          o.currency,
		"outRecallCount":    0,
		"taskId":            11,
		"sourceTaskId":      12,
		"scriptId":          123,
		"intent":            g.weighted([]string{"YES", "NO", "", "CALLBACK"}, []int{40, 30, 20, 10}),
		"dimensionId":       123124,
		"callStatus":        o.callStatus,
	}
	costKey := "cost"
	if o.costEur {
		costKey = "costEur"
	}
	r[costKey] = strconv.FormatFloat(cost, 'f', 6, 64)
	if o.currency == "EUR" {
		r["settleRate"] = "1.2793"
		r["quoteExchange"] = "0.938"
		r["settlePay"] = strconv.FormatFloat(cost*1.07, 'f', 6, 64)
	}
	if o.recall {
		r["recallByVoiceId"] = g.id("22120")
		r["outRecallCount"] = 1
	}
	if o.stringy {
		r["ringDuration"] = strconv.Itoa(ringDur)
		r["callDuration"] = strconv.Itoa(talk)
	}
	return r
}

func (g *generator) laafficShape(shape string, recs ...map[string]any) webhook {
	switch shape {
	case "array":
		return webhook{pathLaaffic, mustJSON(map[string]any{"array": recs})}
	case "bare":
		return webhook{pathLaaffic, mustJSON(recs)}
	default:
		return webhook{pathLaaffic, mustJSON(recs[0])}
	}
}
