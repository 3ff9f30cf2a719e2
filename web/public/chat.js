/* SMARTCity Gera chat widget: a small, accessible client for Rasa's socket.io channel.
 *
 * Events (credentials.yml): session_request -> session_confirm, user_uttered -> bot_uttered.
 * The page language goes with every message as customData.language (Rasa passes it on as
 * message metadata; the NLU pipeline reads metadata.language). Bot text is only ever put
 * into the page with textContent / DOM nodes, never as HTML.
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
      privacy: 'Datenschutz: Der Text dieses Gesprächs wird im Gesprächsspeicher des Assistenten gespeichert und nach 30 Tagen gelöscht. Bitte geben Sie keine persönlichen Daten ein (Name, Adresse, Telefonnummer, Gesundheits- oder Kontodaten).',
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
      privacy: "Privacy: the text of this conversation is stored in the assistant's conversation store and deleted after 30 days. Please do not enter personal data (name, address, phone number, health or bank details).",
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
    },
  };

  const LANG_KEY = 'smartcity-gera-lang';
  const SESSION_KEY = 'smartcity-gera-session';
  const $ = (id) => document.getElementById(id);
  const launcher = $('chat-launcher');
  const panel = $('chat-panel');
  const closeBtn = $('chat-close');
  const log = $('chat-log');
  const form = $('chat-form');
  const input = $('chat-input');
  const status = $('chat-status');

  /** Messages shown so far, so their times can be re-rendered when the language changes. */
  const timeNodes = [];
  let lang = initialLanguage();
  let socket = null;
  let sessionId = null;
  const pending = [];
  let typingNode = null;
  let lastDay = null;

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
    launcher.textContent = panel.hidden ? t('open') : t('hide');
    for (const item of timeNodes) renderTime(item);
    document.querySelectorAll('.quick-replies').forEach((el) => el.setAttribute('aria-label', t('suggestions')));
    if (typingNode) typingNode.textContent = t('typing');
    showFacts();
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

  function setStatus(key) { status.textContent = key ? t(key) : ''; }

  function emitMessage(text) {
    socket.emit('user_uttered', { message: text, session_id: sessionId, customData: { language: lang } });
    showTyping(true);
  }

  function send(text, shown) {
    // Suggestions belong to the question they answer: once the citizen moves on, they are used up.
    log.querySelectorAll('.quick-replies button').forEach((b) => { b.disabled = true; });
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
          if (response.ok) return Object.assign(fallback, await response.json());
        } catch (e) { /* use the fallback */ }
        return fallback;
      })();
    }
    return configPromise;
  }

  async function showFacts() {
    const config = await loadConfig();
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

  async function connect() {
    if (socket) return;
    setStatus('connecting');
    const config = await loadConfig();
    try { sessionId = window.sessionStorage.getItem(SESSION_KEY); } catch (e) { sessionId = null; }
    socket = window.io(config.socketUrl, {
      path: config.socketPath,
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      reconnection: true,
    });
    socket.on('connect', () => {
      socket.emit('session_request', { session_id: sessionId });
    });
    socket.on('session_confirm', (data) => {
      const id = typeof data === 'string' ? data : (data && data.session_id);
      if (!id) return;
      sessionId = id;
      try { window.sessionStorage.setItem(SESSION_KEY, id); } catch (e) { /* storage blocked */ }
      setStatus(null);
      while (pending.length) emitMessage(pending.shift());
    });
    socket.on('bot_uttered', onBotMessage);
    socket.on('disconnect', () => setStatus('disconnected'));
    socket.on('connect_error', () => setStatus('disconnected'));
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

  applyLanguage(lang);
  if (!window.io) setStatus('disconnected');
}());
