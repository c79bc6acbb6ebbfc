/**
 * The embeddable loyalty widget, served as `/storefront/widget.js`: one `<script>` tag on any
 * page of the shop —
 *
 *     <script src="https://retain.example.com/storefront/widget.js" data-token="<signed token>" async></script>
 *
 * — renders, after the tag (or into the element whose id is `data-target`), the signed-in
 * customer's balance, tier, progress to the next tier, the rewards to claim (a Claim button spends
 * the points and shows the coupon code) and the referral code. No framework, no dependencies, a few KB; text is set with `textContent` only (nothing the
 * API returns is parsed as HTML); styles are scoped under `.retain-loyalty` and follow the page's
 * font. An invalid token shows "Sign in to see your points" and nothing of anyone's.
 */
export const STOREFRONT_WIDGET_JS = `(function () {
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src).origin;
  var token = script.getAttribute('data-token') || '';
  var target = script.getAttribute('data-target');
  var root = document.createElement('div');
  root.className = 'retain-loyalty';
  root.setAttribute('aria-live', 'polite');
  var host = target && document.getElementById(target);
  if (host) host.appendChild(root); else script.parentNode.insertBefore(root, script.nextSibling);
  var style = document.createElement('style');
  style.textContent = '.retain-loyalty{font:inherit;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;max-width:360px}' +
    '.retain-loyalty h3{margin:0 0 4px;font-size:1.1em}.retain-loyalty .rl-balance{font-size:1.6em;font-weight:600}' +
    '.retain-loyalty .rl-bar{height:6px;background:#eaeef2;border-radius:3px;margin:6px 0}' +
    '.retain-loyalty .rl-bar span{display:block;height:100%;background:#2da44e;border-radius:3px}' +
    '.retain-loyalty ul{padding-left:18px;margin:6px 0}.retain-loyalty small{color:#57606a}' +
    '.retain-loyalty .rl-claim{margin-left:8px;font:inherit}.retain-loyalty .rl-code{font-family:monospace}.retain-loyalty .rl-error{color:#cf222e}';
  document.head.appendChild(style);
  function add(parent, tag, text, className) {
    var element = document.createElement(tag);
    if (text !== undefined) element.textContent = text;
    if (className) element.className = className;
    parent.appendChild(element);
    return element;
  }
  var number = new Intl.NumberFormat();
  fetch(base + '/storefront/v1/loyalty', { headers: { Authorization: 'Bearer ' + token } })
    .then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    })
    .then(function (view) {
      root.setAttribute('data-state', 'ready');
      add(root, 'h3', 'Your points');
      add(root, 'div', number.format(view.balance), 'rl-balance').setAttribute('data-balance', String(view.balance));
      if (view.pending > 0) add(root, 'small', number.format(view.pending) + ' pending');
      if (view.tier) add(root, 'div', 'Tier: ' + view.tier, 'rl-tier');
      if (view.nextTier) {
        var bar = add(root, 'div', undefined, 'rl-bar');
        add(bar, 'span').style.width = Math.round(view.progress * 100) + '%';
        add(root, 'small', number.format(view.nextTier.remaining) + ' points to ' + view.nextTier.name);
      }
      if (view.earlyAccess) add(root, 'div', 'Early access to new products and sales', 'rl-early');
      if (view.rewards.length > 0) {
        var list = add(root, 'ul', undefined, 'rl-rewards');
        var balance = view.balance;
        var buttons = [];
        var refresh = function () {
          buttons.forEach(function (entry) { if (!entry.done) entry.button.disabled = entry.cost > balance; });
        };
        view.rewards.forEach(function (reward) {
          var item = add(list, 'li', reward.name + ' — ' + number.format(reward.costPoints) + ' points');
          item.setAttribute('data-reward', reward.id);
          if (!reward.available) { add(item, 'small', ' (sold out)'); return; }
          var button = add(item, 'button', 'Claim', 'rl-claim');
          button.type = 'button';
          button.setAttribute('aria-label', 'Claim ' + reward.name + ' for ' + number.format(reward.costPoints) + ' points');
          var entry = { button: button, cost: reward.costPoints, done: false };
          buttons.push(entry);
          // One key per reward and page view: a retry after a network error is the same claim.
          var key = 'w-' + (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
          button.addEventListener('click', function () {
            button.disabled = true;
            fetch(base + '/storefront/v1/loyalty/rewards/' + encodeURIComponent(reward.id) + '/claim', {
              method: 'POST',
              headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
              body: JSON.stringify({ idempotencyKey: key })
            })
              .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
              .then(function (answer) {
                entry.done = true;
                if (answer.ok) {
                  balance = answer.body.balance;
                  var shown = root.querySelector('[data-balance]');
                  if (shown) { shown.textContent = number.format(balance); shown.setAttribute('data-balance', String(balance)); }
                  var code = add(item, 'div', 'Your code: ' + answer.body.claim.couponDisplay, 'rl-code');
                  code.setAttribute('data-coupon', answer.body.claim.couponCode);
                  button.remove();
                  refresh();
                } else {
                  add(item, 'div', (answer.body.error && answer.body.error.message) || 'Could not claim.', 'rl-error').setAttribute('role', 'alert');
                }
              })
              .catch(function () { button.disabled = false; });
          });
        });
        refresh();
      }
      if (view.referralCode) add(root, 'div', 'Your referral code: ' + view.referralCode, 'rl-referral');
    })
    .catch(function () {
      root.setAttribute('data-state', 'refused');
      add(root, 'div', 'Sign in to see your points.');
    });
})();
`;
