// The live chat of /rooms/{name}: one WebSocket speaking the protocol of SPEC §5.
//
// State is kept so that nothing is missed or shown twice: `lastId` is the newest message id
// shown, every reconnect joins with `since: lastId`, and messages typed while offline wait in
// `outgoing` (shown as "sending…") and are sent again with their client_id, which the server
// stores only once. User text is only ever set with textContent.
(function () {
  'use strict';

  var root = document.getElementById('chat');
  if (!root) return;

  var $ = function (id) { return document.getElementById(id); };
  var list = $('message-list');
  var scroller = $('messages');
  var stateEl = $('conn-state');
  var input = $('message-input');
  var composer = $('composer');
  var pill = $('new-messages');
  var historyStatus = $('history-status');
  var emptyState = $('empty-state');
  var memberList = $('member-list');
  var memberCount = $('member-count');
  var memberCountShort = $('member-count-short');
  var membersPanel = $('members');
  var membersToggle = $('members-toggle');

  var me = root.dataset.user;
  var room = root.dataset.room;
  var roomId = 0;          // the room's id, from the answer to join
  var maxLength = Number(root.dataset.maxLength) || 4000;
  var GROUP_MS = 5 * 60 * 1000;
  var PAGE = 50;

  var ws = null;
  var joined = false;
  var attempt = 0;
  var reconnectTimer = null;
  var lastId = 0;          // newest message id shown
  var lastSeq = 0;         // highest sequence number seen: where a reconnect resumes
  var oldestId = 0;        // oldest message id shown
  var moreOlder = false;   // older history exists on the server
  var historyRequest = null; // 'older' | 'newer' while a history request is out
  var catchingUp = false;  // paging forward after a resume with more: true
  var held = [];           // live messages that arrived while catching up
  var outgoing = new Map(); // client_id -> { text, li, failed }
  var members = new Map();  // lower-cased name -> shown name
  var unseen = 0;
  var leaving = false;      // a form of the page (Sign out) is taking us elsewhere

  // ---- small helpers ---------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function same(a, b) { return String(a).toLowerCase() === String(b).toLowerCase(); }

  function newClientId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join('');
  }

  function dayKey(ts) {
    var d = new Date(ts);
    return d.getFullYear() + '-' + d.getMonth() + '-' + d.getDate();
  }

  function dayLabel(ts) {
    var today = new Date();
    var yesterday = new Date(today.getTime() - 86400000);
    if (dayKey(ts) === dayKey(today.getTime())) return 'Today';
    if (dayKey(ts) === dayKey(yesterday.getTime())) return 'Yesterday';
    return new Date(ts).toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  }

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
  }

  function scrollToBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    pill.hidden = true;
  }

  // ---- connection state ------------------------------------------------------------------

  var STATE_TEXT = {
    connecting: 'Connecting…',
    online: 'Connected',
    reconnecting: 'Reconnecting…',
    offline: 'Offline'
  };

  function setState(state, text) {
    stateEl.dataset.state = state;
    stateEl.textContent = text || STATE_TEXT[state];
  }

  // ---- rendering messages ----------------------------------------------------------------

  // The message element that precedes `node` in the list, skipping pending ones.
  function previousMessage(node) {
    var prev = node ? node.previousElementSibling : list.lastElementChild;
    while (prev && !(prev.classList.contains('msg') && prev.dataset.id)) {
      if (prev.classList.contains('day')) return null;
      prev = prev.previousElementSibling;
    }
    return prev;
  }

  function messageElement(m, prev) {
    var li = el('li', 'msg');
    li.dataset.id = m.id;
    li.dataset.user = m.user;
    li.dataset.ts = m.ts;
    if (same(m.user, me)) li.classList.add('own');
    var grouped = prev && same(prev.dataset.user, m.user) && m.ts - Number(prev.dataset.ts) < GROUP_MS;
    if (grouped) {
      li.classList.add('continued');
    } else {
      var head = el('div', 'msg-head');
      head.appendChild(el('span', 'msg-author', m.user));
      var time = el('time', 'msg-time', new Date(m.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
      time.dateTime = new Date(m.ts).toISOString();
      time.title = new Date(m.ts).toLocaleString();
      head.appendChild(time);
      li.appendChild(head);
    }
    li.appendChild(el('div', 'msg-text', m.text));
    return li;
  }

  function dayDivider(ts) {
    var li = el('li', 'day', dayLabel(ts));
    li.dataset.day = dayKey(ts);
    li.setAttribute('role', 'separator');
    return li;
  }

  // The last day divider or message before `beforeNode` decides whether a new day starts.
  function lastDayBefore(beforeNode) {
    var node = beforeNode ? beforeNode.previousElementSibling : list.lastElementChild;
    while (node) {
      if (node.classList.contains('day')) return node.dataset.day;
      if (node.classList.contains('msg') && node.dataset.id) return dayKey(Number(node.dataset.ts));
      node = node.previousElementSibling;
    }
    return null;
  }

  function firstPending() {
    return list.querySelector('li.msg.pending, li.msg.failed');
  }

  // Appends a message newer than everything shown (keeping unsent ones last).
  function appendMessage(m) {
    if (m.id <= lastId) return false;
    var anchor = firstPending();
    if (lastDayBefore(anchor) !== dayKey(m.ts)) list.insertBefore(dayDivider(m.ts), anchor);
    list.insertBefore(messageElement(m, previousMessage(anchor)), anchor);
    lastId = m.id;
    if (!oldestId) oldestId = m.id;
    emptyState.hidden = true;
    return true;
  }

  // Puts older messages (oldest first) above everything shown, keeping the scroll position.
  function prependMessages(messages) {
    var older = messages.filter(function (m) { return !oldestId || m.id < oldestId; });
    if (!older.length) return;
    var distanceFromBottom = scroller.scrollHeight - scroller.scrollTop;
    var fragment = document.createDocumentFragment();
    var prev = null;
    var day = null;
    older.forEach(function (m) {
      if (dayKey(m.ts) !== day) {
        day = dayKey(m.ts);
        fragment.appendChild(dayDivider(m.ts));
        prev = null;
      }
      var li = messageElement(m, prev);
      fragment.appendChild(li);
      prev = li;
    });
    // The block that was first may now continue the day and the author of the last older one.
    var oldFirst = list.firstElementChild;
    if (oldFirst && oldFirst.classList.contains('day') && oldFirst.dataset.day === day) {
      list.removeChild(oldFirst);
      var firstMsg = list.firstElementChild;
      if (firstMsg && firstMsg.dataset.id && prev && same(prev.dataset.user, firstMsg.dataset.user) &&
          Number(firstMsg.dataset.ts) - Number(prev.dataset.ts) < GROUP_MS) {
        var head = firstMsg.querySelector('.msg-head');
        if (head) firstMsg.removeChild(head);
        firstMsg.classList.add('continued');
      }
    }
    list.insertBefore(fragment, list.firstElementChild);
    oldestId = older[0].id;
    if (!lastId) lastId = older[older.length - 1].id;
    scroller.scrollTop = scroller.scrollHeight - distanceFromBottom;
    emptyState.hidden = true;
  }

  function showIncoming(messages, fromMe) {
    var follow = atBottom();
    var added = 0;
    messages.forEach(function (m) { if (appendMessage(m)) added += 1; });
    if (!added) return;
    if (follow || fromMe) {
      scrollToBottom();
    } else {
      pill.hidden = false;
    }
    if (document.hidden) {
      unseen += added;
      document.title = '(' + unseen + ') ' + room + ' · confab';
    }
  }

  function eventLine(text) {
    var follow = atBottom();
    list.insertBefore(el('li', 'event', text), firstPending());
    if (follow) scrollToBottom();
  }

  function updateHistoryStatus() {
    if (historyRequest === 'older') {
      historyStatus.textContent = 'Loading older messages…';
    } else if (!moreOlder && lastId) {
      historyStatus.textContent = 'This is the beginning of ' + room + '.';
    } else {
      historyStatus.textContent = '';
    }
  }

  // ---- members ---------------------------------------------------------------------------

  function renderMembers() {
    memberList.textContent = '';
    var names = Array.from(members.values()).sort(function (a, b) {
      return a.toLowerCase().localeCompare(b.toLowerCase());
    });
    names.forEach(function (name) {
      var li = el('li', same(name, me) ? 'me' : '');
      li.appendChild(el('span', 'presence-dot'));
      li.appendChild(document.createTextNode(same(name, me) ? name + ' (you)' : name));
      memberList.appendChild(li);
    });
    memberCount.textContent = '(' + names.length + ')';
    memberCountShort.textContent = String(names.length);
  }

  // ---- outgoing messages -----------------------------------------------------------------

  function pendingElement(text) {
    var li = el('li', 'msg own pending');
    var head = el('div', 'msg-head');
    head.appendChild(el('span', 'msg-author', me));
    head.appendChild(el('span', 'msg-status', 'sending…'));
    li.appendChild(head);
    li.appendChild(el('div', 'msg-text', text));
    return li;
  }

  function markFailed(entry, reason, retryable) {
    entry.failed = true;
    entry.li.classList.remove('pending');
    entry.li.classList.add('failed');
    var status = entry.li.querySelector('.msg-status');
    status.textContent = reason;
    if (!retryable && !entry.li.querySelector('.msg-retry')) {
      var dismiss = el('button', 'msg-retry', 'Dismiss');
      dismiss.type = 'button';
      dismiss.addEventListener('click', function () {
        outgoing.delete(entry.clientId);
        entry.li.remove();
        input.focus();
      });
      status.after(dismiss);
    }
    if (retryable && !entry.li.querySelector('.msg-retry')) {
      var retry = el('button', 'msg-retry', 'Retry');
      retry.type = 'button';
      retry.addEventListener('click', function () {
        entry.failed = false;
        entry.li.classList.remove('failed');
        entry.li.classList.add('pending');
        status.textContent = 'sending…';
        retry.remove();
        transmit(entry.clientId);
      });
      status.after(retry);
    }
  }

  function transmit(clientId) {
    var entry = outgoing.get(clientId);
    if (!entry || entry.failed || !ws || ws.readyState !== WebSocket.OPEN || !joined) return;
    ws.send(JSON.stringify({ type: 'send', room_id: roomId, text: entry.text, client_id: clientId }));
  }

  function submit() {
    var text = input.value;
    if (!text.trim()) return;
    if (Array.from(text).length > maxLength) {
      setState(stateEl.dataset.state, 'Messages can be at most ' + maxLength + ' characters.');
      return;
    }
    var clientId = newClientId();
    var entry = { clientId: clientId, text: text, li: pendingElement(text), failed: false };
    outgoing.set(clientId, entry);
    list.appendChild(entry.li);
    emptyState.hidden = true;
    input.value = '';
    autosize();
    scrollToBottom();
    transmit(clientId);
  }

  function acknowledge(m) {
    var entry = m.client_id && outgoing.get(m.client_id);
    if (!entry) return false;
    outgoing.delete(m.client_id);
    entry.li.remove();
    return true;
  }

  // ---- frames from the server --------------------------------------------------------------

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function requestOlder() {
    if (!joined || historyRequest || !moreOlder || !oldestId) return;
    historyRequest = 'older';
    updateHistoryStatus();
    send({ type: 'history', room_id: roomId, before: oldestId, limit: PAGE });
  }

  function requestNewer() {
    historyRequest = 'newer';
    send({ type: 'history', room_id: roomId, since: lastSeq, limit: 200 });
  }

  function finishCatchUp() {
    catchingUp = false;
    var waiting = held;
    held = [];
    waiting.forEach(function (m) { acknowledge(m); });
    showIncoming(waiting, false);
    outgoing.forEach(function (_, clientId) { transmit(clientId); });
  }

  function fillScreen() {
    if (moreOlder && scroller.scrollHeight <= scroller.clientHeight + 8) requestOlder();
  }

  function noteSeq(messages) {
    messages.forEach(function (m) { if (m.seq > lastSeq) lastSeq = m.seq; });
  }

  function onJoined(frame) {
    joined = true;
    attempt = 0;
    room = frame.room;
    roomId = frame.room_id;
    noteSeq(frame.messages);
    if (!frame.more && frame.seq > lastSeq) lastSeq = frame.seq;
    setState('online');
    members.clear();
    frame.members.forEach(function (name) { members.set(name.toLowerCase(), name); });
    renderMembers();
    var first = lastId === 0;
    frame.messages.forEach(acknowledge);
    if (first) {
      moreOlder = frame.more;
      showIncoming(frame.messages, true);
      scrollToBottom();
      if (!frame.messages.length) emptyState.hidden = outgoing.size > 0;
    } else {
      showIncoming(frame.messages, false);
    }
    if (!first && frame.more) {
      catchingUp = true;
      requestNewer();
    } else {
      outgoing.forEach(function (_, clientId) { transmit(clientId); });
    }
    updateHistoryStatus();
    fillScreen();
  }

  function onHistory(frame) {
    var kind = historyRequest;
    historyRequest = null;
    if (kind === 'older') {
      moreOlder = frame.more;
      prependMessages(frame.messages);
      updateHistoryStatus();
      fillScreen();
    } else {
      noteSeq(frame.messages);
      frame.messages.forEach(acknowledge);
      showIncoming(frame.messages, false);
      if (frame.more) {
        requestNewer();
      } else if (catchingUp) {
        finishCatchUp();
      }
    }
  }

  function onPresence(frame) {
    if (frame.event === 'join') {
      members.set(frame.user.toLowerCase(), frame.user);
      if (!same(frame.user, me)) eventLine(frame.user + ' joined');
    } else {
      members.delete(frame.user.toLowerCase());
      if (!same(frame.user, me)) eventLine(frame.user + ' left');
    }
    renderMembers();
  }

  function onError(frame) {
    var entry = frame.client_id && outgoing.get(frame.client_id);
    if (entry) {
      if (frame.code === 'rate_limited' || frame.code === 'unavailable') {
        setTimeout(function () { transmit(frame.client_id); }, 1000);
      } else if (frame.code === 'storage_error') {
        markFailed(entry, 'Not saved: the server had a problem.', true);
      } else {
        markFailed(entry, frame.message, false);
      }
      return;
    }
    if (frame.code === 'not_joined') {
      send({ type: 'join', room: room, since: lastSeq || undefined });
      return;
    }
    if (historyRequest && frame.room) {
      historyRequest = null;
      updateHistoryStatus();
    }
    setState(stateEl.dataset.state, frame.message);
  }

  function onFrame(frame) {
    switch (frame.type) {
      case 'joined': onJoined(frame); break;
      case 'message':
        if (frame.room_id !== roomId) break;
        noteSeq([frame]);
        if (catchingUp) { held.push(frame); break; }
        var mine = acknowledge(frame);
        showIncoming([frame], mine);
        break;
      case 'history': onHistory(frame); break;
      case 'presence': if (frame.room_id === roomId) onPresence(frame); break;
      case 'error': onError(frame); break;
      default: break;
    }
  }

  // ---- connecting and reconnecting ---------------------------------------------------------

  function goToSignIn() {
    setState('offline', 'Signed out');
    // Signing out here closes this socket (4001) before the answer to the form arrives:
    // going to sign-in now would cancel that navigation to the home page.
    if (leaving) return;
    location.assign('/login?next=' + encodeURIComponent(location.pathname));
  }

  // Backoff: 0.5 s doubling to 10 s, with jitter; the state pill counts down.
  function scheduleReconnect() {
    var delay = Math.min(10000, 500 * Math.pow(2, attempt));
    delay = delay / 2 + Math.random() * delay / 2;
    attempt += 1;
    var due = Date.now() + delay;
    clearTimeout(reconnectTimer);
    (function tick() {
      var left = due - Date.now();
      if (left <= 0) { connect(); return; }
      setState('reconnecting', 'Reconnecting in ' + Math.ceil(left / 1000) + ' s…');
      reconnectTimer = setTimeout(tick, Math.min(left, 1000));
    })();
  }

  function connect() {
    clearTimeout(reconnectTimer);
    setState(attempt ? 'reconnecting' : 'connecting');
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var socket;
    try {
      socket = new WebSocket(scheme + '//' + location.host + '/ws');
    } catch (e) {
      scheduleReconnect();
      return;
    }
    var opened = false;
    ws = socket;
    socket.onopen = function () {
      opened = true;
      var join = { type: 'join', room: room };
      if (lastSeq) join.since = lastSeq;
      socket.send(JSON.stringify(join));
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      onFrame(frame);
    };
    socket.onclose = function (event) {
      if (ws !== socket) return;
      ws = null;
      joined = false;
      historyRequest = null;
      catchingUp = false;
      held = [];
      if (event.code === 4001) { goToSignIn(); return; }
      if (!opened) {
        // The upgrade was refused or the server is down: find out whether we are still signed in.
        fetch('/api/v1/me', { credentials: 'same-origin' }).then(function (resp) {
          if (resp.status === 401) goToSignIn(); else scheduleReconnect();
        }, scheduleReconnect);
        return;
      }
      scheduleReconnect();
    };
  }

  // ---- the composer and the page -----------------------------------------------------------

  function autosize() {
    // scrollHeight leaves out the borders, which the border-box height includes.
    input.style.height = 'auto';
    input.style.height = (input.scrollHeight + input.offsetHeight - input.clientHeight) + 'px';
  }

  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', autosize);
  document.addEventListener('submit', function (event) {
    if (event.target !== composer && !event.defaultPrevented) leaving = true;
  });
  window.addEventListener('pageshow', function (event) {
    if (event.persisted) leaving = false; // back from the cache: that navigation is over
  });
  composer.addEventListener('submit', function (event) {
    event.preventDefault();
    submit();
    input.focus();
  });

  scroller.addEventListener('scroll', function () {
    if (scroller.scrollTop < 200) requestOlder();
    if (atBottom()) pill.hidden = true;
  });
  pill.addEventListener('click', function () {
    scrollToBottom();
    input.focus();
  });

  function showMembers(open) {
    membersPanel.classList.toggle('open', open);
    membersToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
  }
  membersToggle.addEventListener('click', function () {
    showMembers(!membersPanel.classList.contains('open'));
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && membersPanel.classList.contains('open')) {
      showMembers(false);
      membersToggle.focus();
    }
  });

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) {
      unseen = 0;
      document.title = room + ' · confab';
    }
  });

  // A laptop waking up or a phone regaining signal: try at once instead of waiting.
  window.addEventListener('online', function () {
    if (!ws) { attempt = 0; connect(); }
  });

  updateHistoryStatus();
  connect();
})();
