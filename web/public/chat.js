/* SMARTCity Gera chat widget: a small, accessible client for Rasa's socket.io channel.
 *
 * Events (credentials.yml): session_request -> session_confirm, user_uttered -> bot_uttered.
 * The page language goes with every message as customData.language (Rasa passes it on as
 * message metadata; the NLU pipeline reads metadata.language). Bot text is only ever put
 * into the page with textContent / DOM nodes, never as HTML.
 *
 * The session id Rasa confirms is the conversation's sender id; it is kept in sessionStorage
 * (a reload continues the conversation). "Delete this conversation" posts it to the page
 * server's api/forget, which erases what is stored under it; the page then forgets the id and
 * asks Rasa for a new session. The retention period in the privacy notice comes from
 * config.json (SMARTCITY_RETENTION_DAYS), never from this file.
 *
 * The "Leichte Sprache" toggle (German page only) asks for easy-read German answers: the page
 * sends it as customData.register ('easy' or 'standard') with every message, and the NLU
 * pipeline switches when it was flipped (docs/easy-read.md). It is remembered like the language.
 *
 * The upcoming tours come from the page server's tours.json (the knowledge base, against the
 * server's clock), each with a link to its calendar file in the page language.
 */
(function () {
  'use strict';

  const I18N = {
    de: {
      pageTitle: 'SMARTCity Gera – Digitaler Assistent',
      skip: 'Zum Chat springen',
      title: 'Der digitale Assistent von SMARTCity Gera',
      intro2: 'Unser Assistent beantwortet Ihre Fragen zum Programm, zu den Pilotprojekten, zu den SMARTCity-Stadtrundgängen und zu den Servicezeiten – auf Deutsch oder Englisch.',
      open: 'Chat mit dem Assistenten öffnen',
      hide: 'Chat ausblenden',
      chatTitle: 'Chat mit dem SMARTCity-Assistenten',
      close: 'Chat schließen',
      privacy: 'Datenschutz: Der Text dieses Gesprächs wird im Gesprächsspeicher des Assistenten gespeichert und nach {days} gelöscht. Mit „Dieses Gespräch löschen“ können Sie es jederzeit sofort löschen. Eine Kontaktanfrage an das SMARTCity-Büro (Ihre Frage und Ihre E-Mail-Adresse) wird nur mit Ihrer ausdrücklichen Zustimmung gespeichert, bis das Büro sie erledigt hat, danach höchstens für die Speicherfrist. Bitte geben Sie keine persönlichen Daten ein (Name, Adresse, Telefonnummer, Gesundheits- oder Kontodaten).',
      days: { one: '{n} Tag', other: '{n} Tagen' },
      daysUnknown: 'Ablauf der Speicherfrist',
      deleteOpen: 'Dieses Gespräch löschen',
      deleteQuestion: 'Möchten Sie dieses Gespräch wirklich löschen? Sein gespeicherter Text wird sofort gelöscht; das lässt sich nicht rückgängig machen.',
      deleteYes: 'Ja, Gespräch löschen',
      deleteNo: 'Abbrechen',
      deleting: 'Das Gespräch wird gelöscht …',
      deleted: 'Ihr Gespräch wurde gelöscht. Ein neues Gespräch hat begonnen.',
      deleteFailed: 'Das Gespräch konnte nicht gelöscht werden. Bitte versuchen Sie es später erneut.',
      log: 'Nachrichten',
      inputLabel: 'Ihre Nachricht an den Assistenten',
      placeholder: 'Ihre Frage, z. B. „Wann haben Sie geöffnet?“',
      send: 'Senden',
      contact: 'Kontakt',
      langGroup: 'Sprache',
      you: 'Sie',
      bot: 'Assistent',
      suggestions: 'Antwortvorschläge',
      typing: 'Der Assistent schreibt …',
      connecting: 'Verbindung zum Assistenten wird hergestellt …',
      connected: 'Verbunden.',
      disconnected: 'Die Verbindung zum Assistenten ist unterbrochen. Es wird erneut versucht …',
      empty: 'Bitte geben Sie zuerst eine Frage ein.',
      today: 'Heute',
      newWindow: '(öffnet in neuem Fenster)',
      easyOn: 'Leichte Sprache ist an. Die nächsten Antworten sind in Leichter Sprache.',
      easyOff: 'Leichte Sprache ist aus. Die nächsten Antworten sind in normaler Sprache.',
      toursTitle: 'Die nächsten SMARTCity-Stadtrundgänge',
      toursNone: 'Derzeit ist kein SMARTCity-Stadtrundgang angekündigt.',
      toursAll: 'Alle Termine als Kalenderdatei',
      tourTimes: '{start}–{end} Uhr',
      tourMeeting: 'Treffpunkt: {place}',
      tourAdd: 'Zum Kalender hinzufügen',
    },
    en: {
      pageTitle: 'SMARTCity Gera – Digital assistant',
      skip: 'Skip to the chat',
      title: 'The digital assistant of SMARTCity Gera',
      intro2: 'Our assistant answers your questions about the programme, its pilot projects, the SMARTCity guided tours and the office hours – in German or English.',
      open: 'Open the chat with the assistant',
      hide: 'Hide the chat',
      chatTitle: 'Chat with the SMARTCity assistant',
      close: 'Close the chat',
      privacy: "Privacy: the text of this conversation is stored in the assistant's conversation store and deleted after {days}. You can delete it at once at any time with “Delete this conversation”. A contact request to the SMARTCity office (your question and e-mail address) is stored only with your explicit consent, until the office has dealt with it, then at most for the retention period. Please do not enter personal data (name, address, phone number, health or bank details).",
      days: { one: '{n} day', other: '{n} days' },
      daysUnknown: 'the retention period',
      deleteOpen: 'Delete this conversation',
      deleteQuestion: 'Do you really want to delete this conversation? Its stored text is erased at once; this cannot be undone.',
      deleteYes: 'Yes, delete the conversation',
      deleteNo: 'Cancel',
      deleting: 'Deleting the conversation …',
      deleted: 'Your conversation has been deleted. A new conversation has started.',
      deleteFailed: 'The conversation could not be deleted. Please try again later.',
      log: 'Messages',
      inputLabel: 'Your message to the assistant',
      placeholder: 'Your question, e.g. "What are your office hours?"',
      send: 'Send',
      contact: 'Contact',
      langGroup: 'Language',
      you: 'You',
      bot: 'Assistant',
      suggestions: 'Suggested replies',
      typing: 'The assistant is typing …',
      connecting: 'Connecting to the assistant …',
      connected: 'Connected.',
      disconnected: 'The connection to the assistant was lost. Trying again …',
      empty: 'Please type a question first.',
      today: 'Today',
      newWindow: '(opens in a new window)',
      easyOn: 'Easy-read German is on.',
      easyOff: 'Easy-read German is off.',
      toursTitle: 'The next SMARTCity tours',
      toursNone: 'No SMARTCity tour is scheduled at the moment.',
      toursAll: 'All dates as a calendar file',
      tourTimes: '{start}–{end}',
      tourMeeting: 'Meeting point: {place}',
      tourAdd: 'Add to calendar',
    },
  };

  const LANG_KEY = 'smartcity-gera-lang';
  const REGISTER_KEY = 'smartcity-gera-register';
  const SESSION_KEY = 'smartcity-gera-session';
  const $ = (id) => document.getElementById(id);
  const launcher = $('chat-launcher');
  const panel = $('chat-panel');
  const closeBtn = $('chat-close');
  const log = $('chat-log');
  const form = $('chat-form');
  const input = $('chat-input');
  const status = $('chat-status');
  const privacy = $('chat-privacy');
  const eraseBtn = $('chat-delete');
  const eraseBox = $('chat-delete-confirm');
  const eraseYes = $('chat-delete-yes');
  const eraseNo = $('chat-delete-no');
  const easyBtn = $('easy-toggle');

  /** Messages shown so far, so their times can be re-rendered when the language changes. */
  const timeNodes = [];
  let lang = initialLanguage();
  /** Easy-read German asked for with the page's toggle (it counts on the German page only). */
  let easy = storedRegister() === 'easy';
  let socket = null;
  let sessionId = null;
  const pending = [];
  let typingNode = null;
  let lastDay = null;
  /** config.json once loaded (Rasa's address, retention period, facts). */
  let pageConfig = null;
  /** The status shown now, and one that outlives connection changes ("deleted"). */
  let statusKey = null;
  let notice = null;
  let lastBotAt = 0;
  let erasing = false;

  function initialLanguage() {
    let stored = null;
    try { stored = window.localStorage.getItem(LANG_KEY); } catch (e) { /* storage blocked */ }
    if (stored === 'de' || stored === 'en') return stored;
    const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'de'];
    for (const pref of prefs) {
      const code = String(pref).slice(0, 2).toLowerCase();
      if (code === 'de' || code === 'en') return code;
    }
    return 'de';
  }

  function storedRegister() {
    try { return window.localStorage.getItem(REGISTER_KEY); } catch (e) { return null; }
  }

  /** What the page asks for with each message: easy-read German, or the standard register. */
  function register() { return lang === 'de' && easy ? 'easy' : 'standard'; }

  function applyRegister(on) {
    easy = on;
    try { window.localStorage.setItem(REGISTER_KEY, easy ? 'easy' : 'standard'); } catch (e) { /* storage blocked */ }
    easyBtn.setAttribute('aria-pressed', String(easy));
  }

  function t(key) { return I18N[lang][key]; }

  function formatTime(date) {
    return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(date);
  }

  function formatDay(date) {
    return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(date);
  }

  function applyLanguage(newLang) {
    lang = newLang;
    try { window.localStorage.setItem(LANG_KEY, lang); } catch (e) { /* storage blocked */ }
    document.documentElement.lang = lang;
    document.title = t('pageTitle');
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    document.querySelectorAll('[data-i18n-aria-label]').forEach((el) => { el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel)); });
    document.querySelectorAll('.lang-btn').forEach((btn) => { btn.setAttribute('aria-pressed', String(btn.dataset.lang === lang)); });
    $('lang-switch').setAttribute('aria-label', I18N.de.langGroup + ' / ' + I18N.en.langGroup);
    easyBtn.hidden = lang !== 'de';
    launcher.textContent = panel.hidden ? t('open') : t('hide');
    for (const item of timeNodes) renderTime(item);
    document.querySelectorAll('.quick-replies').forEach((el) => el.setAttribute('aria-label', t('suggestions')));
    if (typingNode) typingNode.textContent = t('typing');
    setStatus(statusKey);
    renderPrivacy();
    showFacts();
    renderTours();
  }

  /** The retention period as configured (config.json), in the page language. */
  function retentionPeriod() {
    const days = pageConfig && pageConfig.retentionDays;
    if (!Number.isInteger(days) || days < 1) return t('daysUnknown');
    const forms = t('days');
    const form = new Intl.PluralRules(lang === 'de' ? 'de-DE' : 'en-GB').select(days) === 'one' ? forms.one : forms.other;
    return form.replace('{n}', String(days));
  }

  function renderPrivacy() {
    privacy.textContent = t('privacy').replace('{days}', retentionPeriod());
  }

  function renderTime(item) {
    if (item.kind === 'day') {
      item.node.textContent = formatDay(item.date);
      return;
    }
    item.label.textContent = (item.who === 'user' ? t('you') : t('bot')) + ', ';
    item.node.textContent = formatTime(item.date);
    item.node.title = formatDay(item.date);
  }

  /* ---------- rendering ---------- */

  const LINK_RE = /(https?:\/\/[^\s<>"]+|www\.[^\s<>"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;
  const TRAILING_RE = /[.,;:!?)\]}»“"']+$/;

  /** Appends ``text`` to ``parent`` as text nodes, turning URLs and e-mail addresses into links. */
  function appendLinkified(parent, text) {
    let last = 0;
    for (const match of text.matchAll(LINK_RE)) {
      let raw = match[0];
      const trail = raw.match(TRAILING_RE);
      if (trail) raw = raw.slice(0, raw.length - trail[0].length);
      if (!raw) continue;
      const start = match.index;
      parent.appendChild(document.createTextNode(text.slice(last, start)));
      const a = document.createElement('a');
      if (raw.includes('@') && !/^https?:/i.test(raw) && !raw.startsWith('www.')) {
        a.href = 'mailto:' + raw;
      } else {
        a.href = /^https?:/i.test(raw) ? raw : 'https://' + raw;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        const hint = document.createElement('span');
        hint.className = 'visually-hidden';
        hint.textContent = ' ' + t('newWindow');
        a.append(document.createTextNode(raw), hint);
        parent.appendChild(a);
        last = start + raw.length;
        continue;
      }
      a.textContent = raw;
      parent.appendChild(a);
      last = start + raw.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function dayMarker(date) {
    const key = date.toDateString();
    if (key === lastDay) return;
    lastDay = key;
    const p = document.createElement('p');
    p.className = 'msg-meta day';
    const time = document.createElement('time');
    time.dateTime = date.toISOString().slice(0, 10);
    p.appendChild(time);
    log.appendChild(p);
    const item = { kind: 'day', node: time, date };
    timeNodes.push(item);
    renderTime(item);
  }

  /** Adds a message bubble; returns the bubble element. */
  function addMessage(who, text) {
    const date = new Date();
    dayMarker(date);
    const bubble = document.createElement('div');
    bubble.className = 'msg ' + who;
    bubble.lang = lang;
    const meta = document.createElement('p');
    meta.className = 'msg-meta';
    const label = document.createElement('span');
    const time = document.createElement('time');
    time.dateTime = date.toISOString();
    meta.append(label, time);
    const body = document.createElement('p');
    body.className = 'msg-text';
    appendLinkified(body, text);
    bubble.append(meta, body);
    log.appendChild(bubble);
    const item = { kind: 'msg', who, node: time, label, date };
    timeNodes.push(item);
    renderTime(item);
    log.scrollTop = log.scrollHeight;
    return bubble;
  }

  function addQuickReplies(bubble, replies) {
    const list = document.createElement('ul');
    list.className = 'quick-replies';
    list.setAttribute('role', 'list');
    list.setAttribute('aria-label', t('suggestions'));
    for (const reply of replies) {
      const title = String(reply.title || reply.payload || '');
      const payload = String(reply.payload || reply.title || '');
      if (!title) continue;
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = title;
      button.addEventListener('click', () => {
        send(payload, title);
        input.focus();
      });
      li.appendChild(button);
      list.appendChild(li);
    }
    if (list.children.length) bubble.appendChild(list);
  }

  function showTyping(on) {
    if (on && !typingNode) {
      typingNode = document.createElement('p');
      typingNode.className = 'typing';
      typingNode.setAttribute('aria-hidden', 'true');
      typingNode.textContent = t('typing');
      log.after(typingNode);
    } else if (!on && typingNode) {
      typingNode.remove();
      typingNode = null;
    }
  }

  function onBotMessage(message) {
    showTyping(false);
    lastBotAt = Date.now();
    if (!message || typeof message !== 'object') return;
    const text = typeof message.text === 'string' ? message.text : '';
    const replies = message.quick_replies || message.buttons || [];
    let bubble = null;
    if (text) bubble = addMessage('bot', text);
    const attachment = message.attachment;
    if (attachment && attachment.payload && typeof attachment.payload.src === 'string') {
      bubble = addMessage('bot', attachment.payload.src);
    }
    if (Array.isArray(replies) && replies.length) {
      if (!bubble) bubble = addMessage('bot', '');
      addQuickReplies(bubble, replies);
    }
  }

  /* ---------- transport ---------- */

  function setStatus(key) {
    statusKey = key || null;
    status.textContent = key ? t(key) : '';
  }

  function emitMessage(text) {
    socket.emit('user_uttered', { message: text, session_id: sessionId, customData: { language: lang, register: register() } });
    showTyping(true);
  }

  function send(text, shown) {
    if (erasing) return; // the conversation is being deleted; nothing more goes into it
    // Suggestions belong to the question they answer: once the citizen moves on, they are used up.
    log.querySelectorAll('.quick-replies button').forEach((b) => { b.disabled = true; });
    if (notice) {
      notice = null;
      setStatus(null);
    }
    addMessage('user', shown || text);
    if (socket && socket.connected && sessionId) emitMessage(text);
    else pending.push(text);
  }

  let configPromise = null;
  function loadConfig() {
    // Fetched once: where Rasa is, plus the page's facts (programme summary, contact) from
    // the knowledge base, so no fact is typed into the page.
    if (!configPromise) {
      configPromise = (async () => {
        const fallback = { socketUrl: location.protocol + '//' + location.hostname + ':5005', socketPath: '/socket.io' };
        try {
          const response = await fetch('config.json', { cache: 'no-store' });
          if (response.ok) Object.assign(fallback, await response.json());
        } catch (e) { /* use the fallback */ }
        pageConfig = fallback;
        return fallback;
      })();
    }
    return configPromise;
  }

  async function showFacts() {
    const config = await loadConfig();
    renderPrivacy();
    const about = $('intro-about');
    if (about) about.textContent = (config.about && config.about[lang]) || '';
    const contact = config.contact;
    const footer = $('site-contact');
    if (footer && contact && contact.email && contact.phone) {
      const email = $('contact-email');
      email.textContent = contact.email;
      email.href = 'mailto:' + contact.email;
      const phone = $('contact-phone');
      phone.textContent = contact.phone;
      phone.href = 'tel:' + contact.phone.replace(/[^0-9+]/g, '');
      footer.hidden = false;
    }
  }

  /* ---------- upcoming tours ---------- */

  /** tours.json once loaded: {timeZone, calendar: {de, en}, tours: [...]}; null before. */
  let toursFeed = null;

  async function loadTours() {
    try {
      const response = await fetch('tours.json', { cache: 'no-store' });
      if (response.ok) toursFeed = await response.json();
    } catch (e) { /* no list: the section stays hidden */ }
    renderTours();
  }

  /** The upcoming tours in the page language, or that none is scheduled; hidden while the
   * list is unknown (never "none" for a list that could not be loaded). */
  function renderTours() {
    const section = $('tours');
    if (!section) return;
    const feed = toursFeed;
    if (!feed || !Array.isArray(feed.tours)) {
      section.hidden = true;
      return;
    }
    const locale = lang === 'de' ? 'de-DE' : 'en-GB';
    const zone = feed.timeZone || undefined;
    const day = new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: zone });
    const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone: zone });
    const list = $('tours-list');
    list.replaceChildren();
    for (const tour of feed.tours) {
      const start = new Date(tour.start);
      const end = new Date(tour.end);
      const title = (tour.title && tour.title[lang]) || '';
      const when = day.format(start) + ', ' + t('tourTimes').replace('{start}', clock.format(start)).replace('{end}', clock.format(end));
      const li = document.createElement('li');
      li.className = 'tour';
      const head = document.createElement('p');
      head.className = 'tour-when';
      const time = document.createElement('time');
      time.dateTime = tour.start;
      time.textContent = when;
      head.append(time, document.createTextNode(': ' + title));
      const place = document.createElement('p');
      place.textContent = t('tourMeeting').replace('{place}', (tour.meetingPoint && tour.meetingPoint[lang]) || '');
      const link = document.createElement('a');
      link.className = 'tour-calendar';
      link.href = tour.calendar[lang];
      link.type = 'text/calendar';
      const context = document.createElement('span');
      context.className = 'visually-hidden';
      context.textContent = ': ' + title + ', ' + day.format(start);
      link.append(document.createTextNode(t('tourAdd')), context);
      const linkLine = document.createElement('p');
      linkLine.appendChild(link);
      li.append(head, place, linkLine);
      list.appendChild(li);
    }
    const any = feed.tours.length > 0;
    list.hidden = !any;
    $('tours-none').hidden = any;
    $('tours-all').hidden = !any;
    $('tours-all-link').href = feed.calendar[lang];
    section.hidden = false;
  }

  function storedSession() {
    try { return window.sessionStorage.getItem(SESSION_KEY); } catch (e) { return null; }
  }

  async function connect() {
    if (socket) return;
    setStatus(notice || 'connecting');
    const config = await loadConfig();
    sessionId = storedSession();
    socket = window.io(config.socketUrl, {
      path: config.socketPath,
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: true,
      forceNew: true,
    });
    socket.on('connect', () => {
      socket.emit('session_request', { session_id: sessionId });
    });
    socket.on('session_confirm', (data) => {
      const id = typeof data === 'string' ? data : (data && data.session_id);
      if (!id) return;
      sessionId = id;
      try { window.sessionStorage.setItem(SESSION_KEY, id); } catch (e) { /* storage blocked */ }
      setStatus(notice);
      while (pending.length) emitMessage(pending.shift());
    });
    socket.on('bot_uttered', onBotMessage);
    socket.on('disconnect', () => setStatus('disconnected'));
    socket.on('connect_error', () => setStatus('disconnected'));
  }

  /* ---------- erasure ---------- */

  function askErase() {
    eraseBox.hidden = false;
    eraseBtn.setAttribute('aria-expanded', 'true');
    eraseYes.focus();
  }

  function closeErase(focusBack) {
    eraseBox.hidden = true;
    eraseBtn.setAttribute('aria-expanded', 'false');
    if (focusBack) eraseBtn.focus();
  }

  /** Waits (at most 15 s) until no reply is pending and the assistant has been quiet for a
   * second: Rasa stores a turn after its last reply, and a turn stored after the erasure
   * would bring the conversation back. */
  async function replySettled() {
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline && (typingNode || Date.now() - lastBotAt < 1000)) {
      await new Promise((resolve) => { setTimeout(resolve, 200); });
    }
  }

  async function eraseConversation() {
    if (erasing) return;
    erasing = true;
    notice = null;
    setStatus('deleting');
    const id = sessionId || storedSession();
    await replySettled();
    if (eraseBox.hidden) { // cancelled while waiting for the reply: nothing is deleted
      erasing = false;
      setStatus(null);
      return;
    }
    // Leave the conversation first, so nothing more is stored under its id.
    if (socket) {
      socket.off();
      socket.disconnect();
      socket = null;
    }
    sessionId = null;
    pending.length = 0;
    let ok = !id;
    if (id) {
      try {
        const response = await fetch('api/forget', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ sender: id }),
          cache: 'no-store',
          credentials: 'same-origin',
        });
        ok = response.ok;
      } catch (e) { ok = false; }
    }
    erasing = false;
    closeErase(false);
    if (!ok) {
      notice = 'deleteFailed';
      connect(); // back to the same conversation: its id is still stored
      eraseBtn.focus();
      return;
    }
    try { window.sessionStorage.removeItem(SESSION_KEY); } catch (e) { /* storage blocked */ }
    showTyping(false);
    log.replaceChildren();
    timeNodes.length = 0;
    lastDay = null;
    notice = 'deleted';
    connect(); // no stored id: Rasa starts a new session
    input.focus();
  }

  /* ---------- UI ---------- */

  function openChat() {
    panel.hidden = false;
    document.body.classList.add('chat-open');
    launcher.setAttribute('aria-expanded', 'true');
    launcher.textContent = t('hide');
    connect();
    input.focus();
  }

  function closeChat() {
    panel.hidden = true;
    document.body.classList.remove('chat-open');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.textContent = t('open');
    launcher.focus();
  }

  launcher.addEventListener('click', () => (panel.hidden ? openChat() : closeChat()));
  closeBtn.addEventListener('click', closeChat);
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeChat();
  });
  document.querySelectorAll('.lang-btn').forEach((btn) => {
    btn.addEventListener('click', () => applyLanguage(btn.dataset.lang));
  });
  easyBtn.addEventListener('click', () => {
    applyRegister(!easy);
    notice = easy ? 'easyOn' : 'easyOff'; // until the next message is sent
    setStatus(notice);
  });
  eraseBtn.addEventListener('click', () => (eraseBox.hidden ? askErase() : closeErase(true)));
  eraseNo.addEventListener('click', () => closeErase(true));
  eraseYes.addEventListener('click', eraseConversation);
  eraseBox.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation(); // cancels the question, keeps the chat open
      closeErase(true);
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      setStatus('empty');
      input.focus();
      return;
    }
    input.value = '';
    send(text);
    input.focus();
  });

  applyRegister(easy);
  applyLanguage(lang);
  loadTours();
  if (!window.io) setStatus('disconnected');
}());
