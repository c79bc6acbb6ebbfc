/**
 * The embeddable survey widget, served as `/storefront/survey.js`: one `<script>` tag on any page
 * of the shop —
 *
 *     <script src="https://retain.example.com/storefront/survey.js" data-token="<signed token>"
 *             data-survey="<survey id>" async></script>
 *
 * — renders, after the tag (or into the element whose id is `data-target`), the survey as a form
 * the signed-in customer answers inline: CSAT, NPS or a custom form, with the customer's current
 * answer filled in (a later answer replaces it). `data-lang` (`en`, `zh-CN`) chooses the language;
 * by default the customer's own, else the browser's. The token is the loyalty widget's
 * (storefront-token.ts in src/loyalty). No framework, no dependencies; text is set with
 * `textContent` only (nothing the API returns is parsed as HTML); every control has a label, each
 * problem the server names is shown beside its field (`aria-invalid`, `aria-describedby`); styles
 * are scoped under `.retain-survey` and follow the page's font and colours. An invalid token shows
 * the words of an invalid link and nothing of anyone's answer.
 */
export const STOREFRONT_SURVEY_WIDGET_JS = `(function () {
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src).origin;
  var token = script.getAttribute('data-token') || '';
  var surveyId = script.getAttribute('data-survey') || '';
  var lang = script.getAttribute('data-lang') || '';
  var target = script.getAttribute('data-target');
  var prefix = 'rs' + Math.random().toString(36).slice(2, 8);
  var root = document.createElement('section');
  root.className = 'retain-survey';
  var host = target && document.getElementById(target);
  if (host) host.appendChild(root); else script.parentNode.insertBefore(root, script.nextSibling);
  if (!document.getElementById('retain-survey-style')) {
    var style = document.createElement('style');
    style.id = 'retain-survey-style';
    style.textContent = '.retain-survey{font:inherit;color:inherit;border:1px solid rgba(127,127,127,.55);border-radius:8px;padding:12px 16px;max-width:36rem;box-sizing:border-box}' +
      '.retain-survey *{box-sizing:border-box}.retain-survey h3{margin:0 0 8px;font-size:1.15em}' +
      '.retain-survey fieldset{border:0;margin:0 0 14px;padding:0;min-width:0}.retain-survey legend{font-weight:600;padding:0;margin-bottom:6px}' +
      '.retain-survey .rs-field{margin:0 0 14px}.retain-survey .rs-label{display:block;font-weight:600;margin-bottom:4px}' +
      '.retain-survey .rs-options{display:flex;flex-wrap:wrap;gap:6px;list-style:none;margin:0;padding:0}' +
      '.retain-survey .rs-options label{display:inline-flex;align-items:center;gap:6px;min-height:2.5em;padding:4px 10px;border:1px solid rgba(127,127,127,.55);border-radius:6px;cursor:pointer}' +
      '.retain-survey .rs-stack{flex-direction:column;align-items:stretch}' +
      '.retain-survey textarea{width:100%;font:inherit;color:inherit;background:transparent;border:1px solid rgba(127,127,127,.7);border-radius:6px;padding:6px}' +
      '.retain-survey button{font:inherit;font-weight:600;min-height:2.5em;padding:6px 16px;border:0;border-radius:6px;background:#1f5fbf;color:#fff;cursor:pointer}' +
      '.retain-survey :focus-visible{outline:3px solid #1f5fbf;outline-offset:2px}' +
      '.retain-survey .rs-hint,.retain-survey .rs-muted{opacity:.8;font-size:.92em;margin:0 0 6px}' +
      '.retain-survey .rs-error{color:#b42318;font-weight:600;margin:4px 0 0}.retain-survey [aria-invalid=true]{border-color:#b42318}' +
      '.retain-survey .rs-status:not(:empty){margin-top:10px;font-weight:600}' +
      '@media (prefers-color-scheme:dark){.retain-survey .rs-error{color:#ff9b8f}.retain-survey [aria-invalid=true]{border-color:#ff9b8f}}';
    document.head.appendChild(style);
  }
  function add(parent, tag, text, className) {
    var element = document.createElement(tag);
    if (text !== undefined && text !== null) element.textContent = text;
    if (className) element.className = className;
    parent.appendChild(element);
    return element;
  }
  var headers = { Authorization: 'Bearer ' + token };
  var query = lang ? '?lang=' + encodeURIComponent(lang) : '';
  fetch(base + '/storefront/v1/surveys/' + encodeURIComponent(surveyId) + query, { headers: headers })
    .then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    })
    .then(render)
    .catch(function () {
      root.textContent = '';
      root.setAttribute('data-state', 'refused');
      var words = lang.toLowerCase().indexOf('zh') === 0 ? '请登录后填写此调查。' : 'Sign in to answer this survey.';
      add(root, 'p', words);
    });

  function render(view) {
    var m = view.messages;
    var definition = view.survey.definition;
    var given = view.answer || { rating: null, comment: null, reason: null, answers: {} };
    var locale = view.locale;
    root.setAttribute('lang', locale);
    var title = add(root, 'h3', definition.kind === 'form' ? view.survey.name : m.title);
    title.id = prefix + '-title';
    root.setAttribute('aria-labelledby', title.id);
    var form = add(root, 'form');
    form.noValidate = true;
    // Where each answerable part lives: its controls and the slot its problem is shown in.
    var fields = {};
    function slot(key, container, controls) {
      var error = add(container, 'p', undefined, 'rs-error');
      error.id = prefix + '-error-' + key.replace(/[^a-zA-Z0-9_-]/g, '_');
      error.hidden = true;
      fields[key] = { error: error, controls: controls };
    }
    function marker(required) {
      return ' (' + (required ? m.required : m.optional) + ')';
    }
    function choices(name, legendText, values, type, chosen, stack) {
      var fieldset = add(form, 'fieldset');
      add(fieldset, 'legend', legendText);
      var list = add(fieldset, 'ul', undefined, 'rs-options' + (stack ? ' rs-stack' : ''));
      list.setAttribute('role', 'list');
      var controls = [];
      values.forEach(function (entry, index) {
        var item = add(list, 'li');
        var label = add(item, 'label');
        var input = document.createElement('input');
        input.type = type;
        input.name = prefix + '-' + name;
        input.id = prefix + '-' + name + '-' + index;
        input.value = String(entry.value);
        input.checked = chosen.indexOf(entry.value) >= 0;
        if (entry.label) input.setAttribute('aria-label', entry.label);
        label.appendChild(input);
        add(label, 'span', entry.text);
        controls.push(input);
      });
      slot(name, fieldset, controls);
      return { fieldset: fieldset, controls: controls };
    }
    function textField(name, labelText, value, maxLength, hint) {
      var wrapper = add(form, 'div', undefined, 'rs-field');
      var label = add(wrapper, 'label', labelText, 'rs-label');
      var area = document.createElement('textarea');
      area.id = prefix + '-' + name;
      area.rows = 3;
      area.maxLength = maxLength;
      area.value = value || '';
      label.htmlFor = area.id;
      if (hint) {
        var hintElement = add(wrapper, 'p', hint, 'rs-hint');
        hintElement.id = area.id + '-hint';
        area.setAttribute('aria-describedby', hintElement.id);
      }
      wrapper.appendChild(area);
      slot(name, wrapper, [area]);
      return area;
    }
    var read = [];
    if (definition.kind === 'form') {
      definition.questions.forEach(function (question) {
        var key = 'answers.' + question.id;
        var value = given.answers ? given.answers[question.id] : undefined;
        var labelText = question.label + marker(question.required);
        if (question.type === 'text') {
          var area = textField(key, labelText, typeof value === 'string' ? value : '', question.maxLength || 2000);
          read.push(function (answer) { answer.answers[question.id] = area.value.trim() === '' ? null : area.value; });
        } else if (question.type === 'rating') {
          var min = question.min === undefined ? 1 : question.min;
          var max = question.max === undefined ? 5 : question.max;
          var values = [];
          for (var v = min; v <= max; v++) values.push({ value: v, text: String(v) });
          var rating = choices(key, labelText, values, 'radio', [value], false);
          read.push(function (answer) {
            var picked = rating.controls.filter(function (c) { return c.checked; })[0];
            answer.answers[question.id] = picked ? Number(picked.value) : null;
          });
        } else {
          var multiple = question.type === 'multiple_choice';
          var picked = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
          var group = choices(key, labelText, question.options.map(function (option) { return { value: option, text: option }; }),
            multiple ? 'checkbox' : 'radio', picked, true);
          read.push(function (answer) {
            var chosen = group.controls.filter(function (c) { return c.checked; }).map(function (c) { return c.value; });
            answer.answers[question.id] = multiple ? chosen : chosen.length > 0 ? chosen[0] : null;
          });
        }
      });
    } else {
      var values;
      if (definition.kind === 'nps') {
        values = [];
        for (var n = 0; n <= 10; n++) values.push({ value: n, text: String(n) });
      } else if (definition.scale === 'binary') {
        values = [{ value: 1, text: m.satisfied }, { value: 0, text: m.notSatisfied }];
      } else {
        values = m.fivePoint.map(function (words, index) { return { value: index + 1, text: String(index + 1), label: (index + 1) + ' – ' + words }; });
      }
      var question = definition.question || (definition.kind === 'nps' ? m.npsQuestion : m.csatQuestion);
      var scale = choices('rating', question, values, 'radio', [given.rating], false);
      var scaleHint = definition.kind === 'nps' ? m.notLikely + ' · ' + m.veryLikely
        : definition.scale === 'five_point' ? '1 = ' + m.fivePoint[0] + ' · 5 = ' + m.fivePoint[4] : '';
      if (scaleHint) {
        var hint = document.createElement('p');
        hint.className = 'rs-hint';
        hint.id = prefix + '-rating-hint';
        hint.textContent = scaleHint;
        scale.fieldset.insertBefore(hint, scale.fieldset.children[1]);
        scale.fieldset.setAttribute('aria-describedby', hint.id);
      }
      read.push(function (answer) {
        var picked = scale.controls.filter(function (c) { return c.checked; })[0];
        answer.rating = picked ? Number(picked.value) : null;
      });
      var reasons = definition.kind === 'csat' ? definition.reasons || [] : [];
      if (reasons.length > 0) {
        var reasonGroup = choices('reason', m.reasonLegend + ' ' + m.reasonHint,
          [{ value: '', text: m.noReason }].concat(reasons.map(function (r) { return { value: r, text: r }; })),
          'radio', [given.reason || ''], true);
        read.push(function (answer) {
          var picked = reasonGroup.controls.filter(function (c) { return c.checked; })[0];
          answer.reason = picked && picked.value !== '' ? picked.value : null;
        });
      }
      if (definition.kind === 'nps' || definition.comment !== false) {
        var comment = textField('comment', definition.kind === 'nps' ? definition.followUp || m.npsFollowUp : m.comment,
          given.comment, 2000, m.commentHint);
        read.push(function (answer) { answer.comment = comment.value.trim() === '' ? null : comment.value; });
      }
    }
    var button = add(form, 'button', view.answer ? m.update : m.submit);
    button.type = 'submit';
    var status = add(root, 'p', undefined, 'rs-status');
    status.setAttribute('role', 'status');
    root.setAttribute('data-state', view.answer ? 'answered' : 'ready');
    function clearProblems() {
      Object.keys(fields).forEach(function (key) {
        var field = fields[key];
        field.error.hidden = true;
        field.error.textContent = '';
        field.controls.forEach(function (control) {
          control.removeAttribute('aria-invalid');
          var described = (control.getAttribute('aria-describedby') || '').split(' ').filter(function (id) { return id && id !== field.error.id; });
          if (described.length > 0) control.setAttribute('aria-describedby', described.join(' '));
          else control.removeAttribute('aria-describedby');
        });
      });
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var answer = definition.kind === 'form' ? { answers: {} } : { rating: null, comment: null, reason: null };
      read.forEach(function (reader) { reader(answer); });
      button.disabled = true;
      status.textContent = '';
      fetch(base + '/storefront/v1/surveys/' + encodeURIComponent(surveyId) + '/answer?lang=' + encodeURIComponent(locale), {
        method: 'POST',
        headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: JSON.stringify(answer)
      })
        .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
        .then(function (result) {
          button.disabled = false;
          clearProblems();
          if (result.ok) {
            root.setAttribute('data-state', 'saved');
            root.setAttribute('data-revision', String(result.body.revision));
            button.textContent = m.update;
            status.textContent = m.saved;
            return;
          }
          var issues = (result.body.error && result.body.error.issues) || [];
          var first = null;
          issues.forEach(function (issue) {
            var key = (issue.path || []).slice(1).join('.');
            var field = fields[key];
            if (!field) return;
            field.error.textContent = issue.message;
            field.error.hidden = false;
            field.controls.forEach(function (control) {
              control.setAttribute('aria-invalid', 'true');
              var described = control.getAttribute('aria-describedby');
              control.setAttribute('aria-describedby', (described ? described + ' ' : '') + field.error.id);
            });
            if (!first) first = field.controls[0];
          });
          root.setAttribute('data-state', 'invalid');
          status.textContent = m.errorsTitle;
          if (first) first.focus();
        })
        .catch(function () {
          button.disabled = false;
          status.textContent = m.notSent;
        });
    });
  }
})();
`;
