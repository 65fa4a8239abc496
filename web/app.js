// oomkb web UI: search as you type over /api/search, keyboard navigation, and highlighting of
// the searched terms on entry pages (?highlight=). The pages work without this script: it only
// upgrades the server-rendered search form. No inline code anywhere (the CSP allows 'self').
(function () {
  'use strict';

  var input = document.getElementById('q');
  var live = document.getElementById('live');
  var results = document.getElementById('results');
  var statusEl = document.getElementById('live-status');
  var diagEl = document.getElementById('live-diagnosis');
  var content = document.getElementById('content');
  if (!input || !live || !results || !content) {
    return;
  }
  var page = document.body.className;
  // On the home and search pages the URL follows the query (/?q=), so searches can be shared
  // and the back button steps through them; elsewhere typing only shows results.
  var syncUrl = page === 'home' || page === 'search';
  var DEBOUNCE_MS = 120;
  // A paste longer than this is not put in a URL: it goes to POST /api/diagnose instead.
  var LONG_PASTE = 6000;
  var timer = 0;
  var seq = 0;
  var active = -1;
  var pushed = page === 'search';

  function visibleList() {
    if (!live.hidden) {
      return results;
    }
    return content.querySelector('ol.hits');
  }

  function items() {
    var list = visibleList();
    return list ? Array.prototype.slice.call(list.querySelectorAll('li')) : [];
  }

  function setActive(i) {
    var all = items();
    if (!all.length) {
      active = -1;
      return;
    }
    if (i < 0) {
      i = all.length - 1;
    } else if (i >= all.length) {
      i = 0;
    }
    all.forEach(function (li, k) {
      li.classList.toggle('active', k === i);
      li.setAttribute('aria-selected', k === i ? 'true' : 'false');
    });
    active = i;
    all[i].scrollIntoView({ block: 'nearest' });
  }

  function hitUrl(hit, q) {
    return hit.url + '?highlight=' + encodeURIComponent(q);
  }

  // The diagnosis of a pasted OOM message, above the results. The server escapes the card's
  // text and builds its markup: safe HTML by contract, as the snippets are.
  function showDiagnosis(d) {
    if (diagEl) {
      diagEl.innerHTML = d && d.html ? d.html : '';
    }
  }

  function render(data, q) {
    results.textContent = '';
    active = -1;
    showDiagnosis(data.diagnosis);
    var n = data.results.length;
    // A pasted message is not echoed back in the status line: the card says what it read.
    var what = data.diagnosis ? 'the key terms of the pasted error' : '\u201c' + q + '\u201d';
    statusEl.textContent = n + (n === 1 ? ' result' : ' results') + ' for ' + what + '.';
    if (data.corrected) {
      // The server searched a corrected query; offer the words as typed.
      statusEl.appendChild(document.createTextNode(' Showing results for '));
      var strong = document.createElement('strong');
      strong.className = 'corrected';
      strong.textContent = data.corrected;
      statusEl.appendChild(strong);
      statusEl.appendChild(document.createTextNode('; search instead for '));
      var v = document.createElement('a');
      v.className = 'verbatim';
      v.href = '/search?exact=1&q=' + encodeURIComponent(q);
      v.textContent = q;
      statusEl.appendChild(v);
      statusEl.appendChild(document.createTextNode('.'));
    } else if (data.note && data.fallback && data.fallback !== 'none') {
      // The one sentence the server words for every client (shell, page, API).
      statusEl.appendChild(document.createTextNode(' ' + data.note.charAt(0).toUpperCase() +
        data.note.slice(1) + '.'));
    }
    if (!n && data.suggestion) {
      statusEl.appendChild(document.createTextNode(' Did you mean '));
      var a = document.createElement('a');
      a.href = '/?q=' + encodeURIComponent(data.suggestion);
      a.textContent = data.suggestion;
      a.addEventListener('click', function (e) {
        e.preventDefault();
        input.value = data.suggestion;
        run(true);
      });
      statusEl.appendChild(a);
      statusEl.appendChild(document.createTextNode('?'));
    }
    data.results.forEach(function (hit) {
      var li = document.createElement('li');
      li.setAttribute('role', 'option');
      var link = document.createElement('a');
      link.className = 'hit';
      link.href = hitUrl(hit, q);
      var id = document.createElement('span');
      id.className = 'hit-id';
      id.textContent = hit.id;
      var title = document.createElement('span');
      title.className = 'hit-title';
      title.textContent = hit.title;
      link.appendChild(id);
      link.appendChild(document.createTextNode(' \u2014 '));
      link.appendChild(title);
      li.appendChild(link);
      if (hit.snippet_html) {
        var p = document.createElement('p');
        p.className = 'snippet';
        // The server escapes the snippet and adds only <mark>: safe HTML by contract.
        p.innerHTML = hit.snippet_html;
        li.appendChild(p);
      }
      var sec = document.createElement('p');
      sec.className = 'hit-section';
      sec.textContent = hit.section;
      li.appendChild(sec);
      results.appendChild(li);
    });
  }

  function showLive(on) {
    live.hidden = !on;
    content.hidden = on;
  }

  function updateUrl(q, push) {
    if (!syncUrl) {
      return;
    }
    var url = q ? '/?q=' + encodeURIComponent(q) : '/';
    if (url === location.pathname + location.search) {
      return;
    }
    if (push && !pushed) {
      history.pushState({ q: q }, '', url);
      pushed = true;
    } else {
      history.replaceState({ q: q }, '', url);
    }
  }

  function clearSearch(fromHistory) {
    seq++;
    results.textContent = '';
    statusEl.textContent = '';
    showDiagnosis(null);
    active = -1;
    showLive(false);
    if (!fromHistory) {
      updateUrl('', false);
      pushed = false;
    }
  }

  // Runs the query in the box. history: push/replace the URL (false when reacting to the back
  // button, which already set it).
  function run(history) {
    var q = input.value.replace(/\s+/g, ' ').trim();
    if (!q) {
      clearSearch(!history);
      return;
    }
    var mine = ++seq;
    if (q.length > LONG_PASTE) {
      runLong(input.value, mine);
      return;
    }
    fetch('/api/search?q=' + encodeURIComponent(q) + '&limit=20', {
      headers: { Accept: 'application/json' }
    })
      .then(function (r) {
        return r.json().then(function (body) {
          return { ok: r.ok, body: body };
        });
      })
      .then(function (res) {
        if (mine !== seq) {
          return; // a newer query has been typed
        }
        if (!res.ok) {
          results.textContent = '';
          statusEl.textContent = (res.body && res.body.error && res.body.error.message) || 'Search failed.';
        } else {
          render(res.body, q);
        }
        showLive(true);
        if (history) {
          updateUrl(q, true);
        }
      })
      .catch(function () {
        if (mine === seq) {
          statusEl.textContent = 'The server did not answer.';
          showLive(true);
        }
      });
  }

  // A long paste (a whole log): diagnosed by POST, never refused and never put in the URL.
  function runLong(text, mine) {
    fetch('/api/diagnose?html=1', { method: 'POST', body: text, headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.json();
      })
      .then(function (body) {
        if (mine !== seq) {
          return;
        }
        results.textContent = '';
        var n = body.events ? body.events.length : 0;
        statusEl.textContent = n ? n + (n === 1 ? ' out-of-memory event' : ' out-of-memory events') +
          ' in the pasted text.' : 'No out-of-memory error in the pasted text.';
        showDiagnosis(body);
        showLive(true);
      })
      .catch(function () {
        if (mine === seq) {
          statusEl.textContent = 'The server did not answer.';
          showLive(true);
        }
      });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      run(true);
    }, DEBOUNCE_MS);
  });

  function openActive() {
    var all = items();
    if (active >= 0 && all[active]) {
      var a = all[active].querySelector('a');
      if (a) {
        location.href = a.href;
        return true;
      }
    }
    return false;
  }

  input.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setActive(active + (e.key === 'ArrowDown' ? 1 : -1));
    } else if (e.key === 'Enter') {
      if (openActive()) {
        e.preventDefault();
      }
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (input.value) {
        input.value = '';
        clearTimeout(timer);
        clearSearch(false);
      } else {
        input.blur();
      }
    }
  });

  function typingInField(t) {
    if (!t || t === document.body) {
      return false;
    }
    return t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName);
  }

  document.addEventListener('keydown', function (e) {
    if ((e.key === 'k' || e.key === 'K') && (e.ctrlKey || e.metaKey) && !e.altKey) {
      e.preventDefault();
      input.focus();
      input.select();
      return;
    }
    if (typingInField(e.target)) {
      return;
    }
    if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      input.focus();
      input.select();
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && items().length &&
               e.target && e.target.classList && e.target.classList.contains('hit')) {
      e.preventDefault();
      setActive(active + (e.key === 'ArrowDown' ? 1 : -1));
      var a = items()[active].querySelector('a');
      if (a) {
        a.focus();
      }
    }
  });

  window.addEventListener('popstate', function () {
    var q = new URLSearchParams(location.search).get('q') || '';
    input.value = q;
    pushed = !!q;
    if (q) {
      run(false);
    } else {
      clearSearch(true);
    }
  });

  // ---- Entry pages: highlight the terms of the search that led here ----------------------

  function terms(q) {
    var out = [];
    q.split(/\s+/).forEach(function (t) {
      t = t.replace(/^[^\w\u00c0-\uffff]+|[^\w\u00c0-\uffff]+$/g, '');
      if (t.length >= 2 && out.indexOf(t.toLowerCase()) < 0 &&
          !/^(and|or|not|near)$/i.test(t)) {
        out.push(t.toLowerCase());
      }
    });
    return out;
  }

  function escapeRe(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  function highlight(root, words) {
    if (!root || !words.length) {
      return 0;
    }
    words.sort(function (a, b) {
      return b.length - a.length;
    });
    var re = new RegExp('(' + words.map(escapeRe).join('|') + ')', 'gi');
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        var p = n.parentNode;
        if (!p || /^(SCRIPT|STYLE|MARK)$/.test(p.nodeName) || !n.nodeValue.trim()) {
          return NodeFilter.FILTER_REJECT;
        }
        return NodeFilter.FILTER_ACCEPT;
      }
    });
    var nodes = [];
    while (walker.nextNode()) {
      nodes.push(walker.currentNode);
    }
    var count = 0;
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      re.lastIndex = 0;
      if (!re.test(text)) {
        return;
      }
      re.lastIndex = 0;
      var frag = document.createDocumentFragment();
      var last = 0;
      var m;
      while ((m = re.exec(text)) !== null) {
        if (m.index > last) {
          frag.appendChild(document.createTextNode(text.slice(last, m.index)));
        }
        var mark = document.createElement('mark');
        mark.className = 'hl';
        mark.textContent = m[0];
        frag.appendChild(mark);
        count++;
        last = m.index + m[0].length;
      }
      if (last < text.length) {
        frag.appendChild(document.createTextNode(text.slice(last)));
      }
      node.parentNode.replaceChild(frag, node);
    });
    return count;
  }

  var params = new URLSearchParams(location.search);
  var hl = params.get('highlight');
  if (hl && page === 'entry') {
    var n = highlight(document.querySelector('article.entry'), terms(hl));
    var first = document.querySelector('article.entry .body mark.hl');
    if (n && first && !location.hash) {
      first.scrollIntoView({ block: 'center' });
    }
  }
})();
