/**
 * The embeddable loyalty widget, served as `/storefront/widget.js`: one `<script>` tag on any
 * page of the shop —
 *
 *     <script src="https://retain.example.com/storefront/widget.js" data-token="<signed token>" async></script>
 *
 * — renders, after the tag (or into the element whose id is `data-target`), the signed-in
 * customer's balance, tier, progress to the next tier, the rewards to claim and the referral code.
 * No framework, no dependencies, well under 3 KB; text is set with `textContent` only (nothing the
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
    '.retain-loyalty ul{padding-left:18px;margin:6px 0}.retain-loyalty small{color:#57606a}';
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
      if (view.rewards.length > 0) {
        var list = add(root, 'ul', undefined, 'rl-rewards');
        view.rewards.forEach(function (reward) {
          add(list, 'li', reward.name + ' — ' + number.format(reward.costPoints) + ' points' + (reward.affordable && reward.available ? '' : ' (not yet)'));
        });
      }
      if (view.referralCode) add(root, 'div', 'Your referral code: ' + view.referralCode, 'rl-referral');
    })
    .catch(function () {
      root.setAttribute('data-state', 'refused');
      add(root, 'div', 'Sign in to see your points.');
    });
})();
`;
