"""The participants' page: phone-first HTML, every piece of user text escaped, no framework.

One small page (well under 100 KB) with its CSS and script inline. Without JavaScript it
works with plain form posts (add a note, give dots); with JavaScript it sends them in the
background, retries with the same submission id when the network drops, and keeps the timer
and the voting round up to date by asking ``/state`` every two seconds.
"""

from __future__ import annotations

import html
import json
import uuid

from cjmkit.model import Journey
from cjmkit.room.state import MAX_NAME, MAX_TEXT, NOTE_KINDS, RoomState, Round

STATUS_WORDS = {
    "pending": "waiting",
    "accepted": "on the map",
    "hidden": "set aside",
    "merged": "merged with a duplicate",
}

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7fa}
header{background:#1f3a5f;color:#fff;padding:10px 16px}
header h1{font-size:19px;margin:0;overflow-wrap:break-word}
header p{margin:2px 0 0;font-size:15px}
main{max-width:640px;margin:0 auto;padding:8px 12px 40px}
section{background:#fff;border:1px solid #d9e2ec;border-radius:10px;padding:12px 14px;margin:12px 0}
h2{font-size:18px;margin:0 0 8px}
label{display:block;font-weight:600;margin:10px 0 4px}
.hint{font-weight:400;color:#52606d;font-size:15px}
input[type=text],textarea,select{width:100%;font:inherit;padding:10px;border:1px solid #7b8794;border-radius:8px;background:#fff;color:#1f2933;min-height:44px}
textarea{min-height:96px;resize:vertical}
fieldset{border:0;padding:0;margin:0}
legend{font-weight:600;padding:0;margin:4px 0}
.kinds{display:flex;gap:8px;flex-wrap:wrap}
.kinds label{flex:1 1 90px;margin:0;font-weight:600;border:2px solid #7b8794;border-radius:8px;padding:10px 8px;text-align:center;min-height:44px;cursor:pointer}
.kinds input{position:absolute;opacity:0;width:1px;height:1px}
.kinds input:checked+span{text-decoration:underline}
.kinds label:has(input:checked){border-color:#1f3a5f;background:#e8eef6}
.kinds input:focus-visible+span{outline:3px solid #1f3a5f;outline-offset:4px}
button,.button{font:inherit;font-weight:700;border:0;border-radius:8px;min-height:44px;min-width:44px;padding:10px 16px;cursor:pointer}
.primary{background:#1f3a5f;color:#fff;width:100%;margin-top:14px}
.item{display:flex;flex-wrap:wrap;align-items:center;gap:8px;border-top:1px solid #e4e7eb;padding:8px 0}
.item:first-of-type{border-top:0}
.item .what{flex:1 1 140px;min-width:0;overflow-wrap:break-word}
.item .tally{margin-left:auto}
.item .where{display:block;color:#52606d;font-size:14px}
.stepper{display:flex;align-items:center;gap:4px;flex:0 0 auto}
.stepper button{background:#e4e7eb;color:#1f2933;font-size:22px;line-height:1;padding:0}
.stepper input{width:52px;min-height:44px;font:inherit;text-align:center;border:1px solid #7b8794;border-radius:8px}
.tally{font-weight:700;min-width:44px;text-align:right}
.message{padding:10px 12px;border-radius:8px;margin:8px 0;font-weight:600}
.message.ok{background:#e3f9e5;color:#0e5a2a}
.message.error{background:#ffe3e3;color:#8a1c1c}
.message:empty{display:none}
.timer{font-variant-numeric:tabular-nums;font-weight:700;font-size:20px}
.timer:empty{display:none}
ul.mine{list-style:none;margin:0;padding:0}
ul.mine li{border-top:1px solid #e4e7eb;padding:6px 0;overflow-wrap:break-word}
.state{color:#52606d;font-size:14px}
a{color:#1f3a5f;font-weight:600;display:inline-block;padding:10px 0;min-height:44px}
.js .no-js{display:none}
"""

_SCRIPT = r"""
(function(){
var d=document;d.documentElement.classList.add('js');
var left=null,tick=null,round=null,roundKey='';
function $(s,r){return (r||d).querySelector(s)}
function id(){return (window.crypto&&crypto.randomUUID)?crypto.randomUUID():'n'+Date.now().toString(36)+Math.random().toString(36).slice(2)}
function say(el,text,kind){el.textContent=text;el.className='message '+(kind||'ok')}
function post(url,form,tries){
  var body=new URLSearchParams(new FormData(form));
  return fetch(url,{method:'POST',body:body,headers:{'Accept':'application/json'},credentials:'same-origin'})
  .then(function(r){return r.json().then(function(j){j.status=r.status;return j})})
  .catch(function(){ if(tries>0){return new Promise(function(ok){setTimeout(ok,1500)}).then(function(){return post(url,form,tries-1)})}
    return {error:'No connection to the room: your note is kept here, press the button again.'}});
}
var noteForm=$('#note-form');
function kindChanged(){var k=(noteForm.querySelector('input[name=kind]:checked')||{}).value;
  $('#lane-field').hidden=k!=='touchpoint';$('#touchpoint-field').hidden=k==='touchpoint';filterTouchpoints()}
function filterTouchpoints(){var st=$('#stage').value,sel=$('#touchpoint');
  Array.prototype.forEach.call(sel.querySelectorAll('optgroup'),function(g){g.hidden=g.getAttribute('data-stage')!==st;g.disabled=g.hidden});
  var o=sel.options[sel.selectedIndex];if(o&&o.parentNode.tagName==='OPTGROUP'&&o.parentNode.disabled)sel.value=''}
if(noteForm){
  Array.prototype.forEach.call(noteForm.querySelectorAll('input[name=kind]'),function(r){r.addEventListener('change',kindChanged)});
  $('#stage').addEventListener('change',filterTouchpoints);kindChanged();
  noteForm.addEventListener('submit',function(e){e.preventDefault();var btn=$('button',noteForm);btn.disabled=true;
    post('note',noteForm,3).then(function(j){btn.disabled=false;
      if(j.ok){say($('#note-message'),'Sent ✓ The facilitator sees it now.');$('#text').value='';noteForm.elements.id.value=id();
        var li=d.createElement('li');li.textContent=j.text+' · waiting';var ul=$('#mine');ul.insertBefore(li,ul.firstChild);$('#mine-section').hidden=false}
      else say($('#note-message'),j.error||'Not sent.','error')})});
}
function dotsLeft(){var f=$('#vote-form');if(!f||!round)return;var used=0;
  Array.prototype.forEach.call(f.querySelectorAll('input[type=number]'),function(i){used+=parseInt(i.value||'0',10)||0});
  $('#dots-left').textContent=Math.max(0,round.budget-used)}
var saveTimer=null;
function saveVotes(){var f=$('#vote-form');f.elements.id.value=id();
  post('votes',f,3).then(function(j){say($('#vote-message'),j.ok?'Votes saved ✓ You can change them until the round closes.':(j.error||'Not saved.'),j.ok?'ok':'error')})}
function step(input,delta){var v=(parseInt(input.value||'0',10)||0)+delta,used=0;
  Array.prototype.forEach.call($('#vote-form').querySelectorAll('input[type=number]'),function(i){if(i!==input)used+=parseInt(i.value||'0',10)||0});
  if(v<0||used+v>round.budget)return;input.value=v;dotsLeft();clearTimeout(saveTimer);saveTimer=setTimeout(saveVotes,400)}
function el(tag,attrs,text){var e=d.createElement(tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!=null)e.textContent=text;return e}
function drawRound(s){var box=$('#round');var r=s.round;round=r;box.hidden=!r;if(!r)return;
  var key=r.id+'|'+r.revealed+'|'+r.open;if(key===roundKey){if(r.revealed)drawTallies(r);return}roundKey=key;
  box.innerHTML='';box.appendChild(el('h2',{id:'round-title'},r.open?'Vote: you have '+r.budget+' dots':'Voting is closed'));
  var f=el('form',{id:'vote-form',method:'post',action:'votes'});f.appendChild(el('input',{type:'hidden',name:'id',value:id()}));
  f.appendChild(el('input',{type:'hidden',name:'round',value:r.id}));
  r.items.forEach(function(it,n){var row=el('div',{'class':'item'});var w=el('div',{'class':'what',id:'item-'+n},it.text);
    w.appendChild(el('span',{'class':'where'},it.where));row.appendChild(w);
    if(r.revealed){row.appendChild(el('span',{'class':'tally','data-key':it.key},'Total '+(r.tallies[it.key]||0)))}
    if(r.open){var st=el('div',{'class':'stepper'});var minus=el('button',{type:'button','aria-label':'Take a dot from: '+it.text},'−');
      var inp=el('input',{type:'number',min:'0',max:String(r.budget),name:'dot:'+it.key,value:String(r.mine[it.key]||0),'aria-labelledby':'item-'+n,inputmode:'numeric'});
      var plus=el('button',{type:'button','aria-label':'Give a dot to: '+it.text},'+');
      minus.addEventListener('click',function(){step(inp,-1)});plus.addEventListener('click',function(){step(inp,1)});
      inp.addEventListener('change',function(){dotsLeft();saveVotes()});
      st.appendChild(minus);st.appendChild(inp);st.appendChild(plus);row.appendChild(st)}
    f.appendChild(row)});
  if(r.open){var p=el('p',{},'Dots left: ');p.appendChild(el('b',{id:'dots-left'},''));f.appendChild(p)}
  box.appendChild(f);box.appendChild(el('div',{id:'vote-message','class':'message',role:'status'},''));dotsLeft()}
function drawTallies(r){Array.prototype.forEach.call(d.querySelectorAll('#round .tally'),function(t){t.textContent='Total '+(r.tallies[t.getAttribute('data-key')]||0)})}
function drawTimer(){var t=$('#timer');if(left===null){t.textContent='';return}
  var m=Math.floor(left/60),s=left%60;t.textContent=left>0?'Time left '+m+':'+(s<10?'0':'')+s:'Time is up'}
function poll(){fetch('state',{credentials:'same-origin',headers:{'Accept':'application/json'}}).then(function(r){return r.json()}).then(function(s){
  $('#room-state').textContent=s.open?'The room is open':'The room is closed';
  $('#add').hidden=!s.open;left=s.timer;drawTimer();drawRound(s);
  if(s.mine){var ul=$('#mine');ul.innerHTML='';s.mine.forEach(function(n){ul.appendChild(el('li',{},n.text+' · '+n.status))});$('#mine-section').hidden=!s.mine.length}
}).catch(function(){$('#room-state').textContent='Reconnecting…'}).then(function(){setTimeout(poll,2000)})}
setInterval(function(){if(left>0){left-=1;drawTimer()}},1000);
if($('#round')){var f0=$('#vote-form');if(f0){round={budget:parseInt(f0.getAttribute('data-budget'),10)}}poll()}
})();
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(title: str, body: str, nonce: str, *, script: bool = True) -> str:
    js = f'<script nonce="{_e(nonce)}">{_SCRIPT}</script>' if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="same-origin"><link rel="icon" href="data:,">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>{body}{js}</body></html>"
    )


def join_page(nonce: str, message: str = "") -> str:
    """The page that asks for the join code (no code, or a wrong one)."""
    note = f'<div class="message error" role="alert">{_e(message)}</div>' if message else ""
    body = (
        "<header><h1>Join the workshop</h1></header><main><section>"
        f'<h2>Type the join code</h2>{note}<form method="get" action="./">'
        '<label for="code">Join code <span class="hint">(on the facilitator\'s screen)</span></label>'
        '<input type="text" id="code" name="code" autocomplete="off" autocapitalize="characters" '
        'spellcheck="false" maxlength="12" required>'
        '<button class="primary" type="submit">Join</button></form></section></main>'
    )
    return _page("Join the workshop · cjmkit", body, nonce, script=False)


def closed_page(title: str, nonce: str) -> str:
    """The page participants see while the room is closed."""
    body = (
        f"<header><h1>{_e(title)}</h1><p>The room is closed</p></header><main><section>"
        "<h2>The room is closed</h2><p>The facilitator has closed the room: nothing more can be "
        "added for now. Reload this page when they open it again.</p>"
        '<p><a href="map">See the map as it is now</a></p></section></main>'
    )
    return _page(f"{title} · room closed", body, nonce, script=False)


def participant_page(
    journey: Journey,
    state: RoomState,
    client: str,
    nonce: str,
    *,
    message: str = "",
    error: bool = False,
    values: dict[str, str] | None = None,
) -> str:
    """The participants' page: the voting round (if one is open), the note form, their notes.

    Parameters
    ----------
    journey
        The map as saved (stages, lanes and touchpoints to choose from).
    state
        The room's state (timer, round, this participant's notes and dots).
    client
        This participant's anonymous id.
    nonce
        The Content-Security-Policy nonce of the inline script.
    message, error
        A confirmation or an error sentence to show above the note form.
    values
        The note form's fields as sent (kept after an error so nothing typed is lost).
    """
    values = values or {}
    remaining = state.timer_remaining()
    timer = (
        ""
        if remaining is None
        else ("Time is up" if remaining == 0 else f"Time left {remaining // 60}:{remaining % 60:02d}")
    )
    round_html = _round_section(state.round, client)
    header = (
        f'<header><h1>{_e(journey.title)}</h1><p id="room-state">The room is open</p>'
        f'<p class="timer" id="timer" role="timer" aria-live="off">{_e(timer)}</p></header>'
    )
    body = (
        header
        + "<main>"
        + round_html
        + _note_section(journey, message, error, values)
        + _mine_section(state, client)
    )
    body += '<p><a href="map">See the map as it is now</a> <span class="hint">(a picture; it does not change while open)</span></p></main>'
    return _page(f"{journey.title} · workshop room", body, nonce)


def _note_section(journey: Journey, message: str, error: bool, values: dict[str, str]) -> str:
    chosen_kind = values.get("kind") if values.get("kind") in NOTE_KINDS else "pain_points"
    kinds = "".join(
        f'<label><input type="radio" name="kind" value="{kind}"{" checked" if kind == chosen_kind else ""}>'
        f"<span>{_e(word)}</span></label>"
        for kind, word in NOTE_KINDS.items()
    )

    def options(pairs: list[tuple[str, str]], chosen: str | None) -> str:
        return "".join(
            f'<option value="{_e(value)}"{" selected" if value == chosen else ""}>{_e(label)}</option>'
            for label, value in pairs
        )

    stages = options([(s.name, s.id) for s in journey.stages], values.get("stage"))
    lanes = options(
        [("Let the facilitator choose", ""), *((lane.name, lane.id) for lane in journey.lanes)],
        values.get("lane"),
    )
    groups = "".join(
        f'<optgroup label="{_e(stage.name)}" data-stage="{_e(stage.id)}">'
        + options(
            [(tp.name, tp.id) for tp in journey.touchpoints_in(stage=stage.id)], values.get("touchpoint")
        )
        + "</optgroup>"
        for stage in journey.stages
        if journey.touchpoints_in(stage=stage.id)
    )
    kind_class = "error" if error else "ok"
    role = "alert" if error else "status"
    return (
        '<section id="add" aria-labelledby="add-title"><h2 id="add-title">Add a sticky note</h2>'
        f'<div id="note-message" class="message {kind_class}" role="{role}">{_e(message)}</div>'
        '<form id="note-form" method="post" action="note">'
        f'<input type="hidden" name="id" value="{_e(values.get("id") or "n-" + uuid.uuid4().hex)}">'
        f'<fieldset><legend>What is it?</legend><div class="kinds">{kinds}</div></fieldset>'
        f'<label for="text">Your note <span class="hint">(up to {MAX_TEXT} characters)</span></label>'
        f'<textarea id="text" name="text" maxlength="{MAX_TEXT}" required>{_e(values.get("text", ""))}</textarea>'
        f'<label for="stage">Stage</label><select id="stage" name="stage">{stages}</select>'
        '<div id="lane-field"><label for="lane">Lane <span class="hint">(for a touchpoint)</span></label>'
        f'<select id="lane" name="lane">{lanes}</select></div>'
        '<div id="touchpoint-field"><label for="touchpoint">On which touchpoint? '
        '<span class="hint">(for a pain point or idea)</span></label>'
        f'<select id="touchpoint" name="touchpoint"><option value="">Let the facilitator choose</option>{groups}</select></div>'
        f'<label for="name">Your name <span class="hint">(optional)</span></label>'
        f'<input type="text" id="name" name="name" maxlength="{MAX_NAME}" autocomplete="nickname" value="{_e(values.get("name", ""))}">'
        '<button class="primary" type="submit">Add note</button></form></section>'
    )


def _round_section(round_: Round | None, client: str) -> str:
    if round_ is None:
        return '<section id="round" hidden></section>'
    mine = round_.votes.get(client, {})
    tallies = round_.tallies() if round_.revealed else {}
    rows = []
    for n, item in enumerate(round_.items):
        row = (
            f'<div class="item"><div class="what" id="item-{n}">{_e(item.text)}'
            f'<span class="where">{_e(item.where)}</span></div>'
        )
        if round_.revealed:
            row += f'<span class="tally" data-key="{_e(item.key)}">Total {tallies.get(item.key, 0)}</span>'
        if round_.open:
            row += (
                f'<div class="stepper"><input type="number" min="0" max="{round_.budget}" inputmode="numeric" '
                f'name="dot:{_e(item.key)}" value="{mine.get(item.key, 0)}" aria-labelledby="item-{n}"></div>'
            )
        rows.append(row + "</div>")
    if round_.open:
        title = f"Vote: you have {round_.budget} dots"
        left = round_.budget - sum(mine.values())
        tail = (
            f'<p>Dots left: <b id="dots-left">{left}</b></p>'
            '<button class="primary no-js" type="submit">Save my votes</button>'
        )
    else:
        title, tail = "Voting is closed", ""
    return (
        f'<section id="round" aria-labelledby="round-title"><h2 id="round-title">{_e(title)}</h2>'
        f'<form id="vote-form" method="post" action="votes" data-budget="{round_.budget}">'
        f'<input type="hidden" name="id" value="v-{uuid.uuid4().hex}">'
        f'<input type="hidden" name="round" value="{_e(round_.id)}">{"".join(rows)}{tail}</form>'
        '<div id="vote-message" class="message" role="status"></div></section>'
    )


def _mine_section(state: RoomState, client: str) -> str:
    mine = state.notes_of(client)
    items = "".join(
        f"<li>{_e(note.sent_text)} · {STATUS_WORDS.get(note.status, note.status)}</li>" for note in mine
    )
    hidden = "" if mine else " hidden"
    return (
        f'<section id="mine-section" aria-labelledby="mine-title"{hidden}><h2 id="mine-title">Your notes</h2>'
        f'<ul class="mine" id="mine">{items}</ul></section>'
    )


def state_json(journey: Journey, state: RoomState, client: str) -> str:
    """What ``/state`` answers: room open, timer, the round (tallies only once revealed), my notes."""
    round_ = state.round
    data: dict[str, object] = {
        "title": journey.title,
        "open": state.open,
        "timer": state.timer_remaining(),
        "version": state.version,
        "mine": [
            {"text": n.sent_text, "status": STATUS_WORDS.get(n.status, n.status)}
            for n in state.notes_of(client)[:50]
        ],
        "round": None,
    }
    if round_ is not None:
        data["round"] = {
            "id": round_.id,
            "budget": round_.budget,
            "open": round_.open,
            "revealed": round_.revealed,
            "items": [{"key": i.key, "text": i.text, "where": i.where} for i in round_.items],
            "mine": round_.votes.get(client, {}),
            "tallies": round_.tallies() if round_.revealed else None,
        }
    return json.dumps(data, ensure_ascii=False)


__all__ = ["closed_page", "join_page", "participant_page", "state_json"]
