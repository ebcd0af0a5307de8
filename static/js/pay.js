// Mounts Stripe's card field and confirms the PaymentIntent; the server checks the result.
(function () {
  "use strict";
  const form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const button = document.getElementById("pay-button");

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    errors.hidden = true;
    const result = await stripe.confirmCardPayment(form.dataset.clientSecret, {
      payment_method: { card: card },
    });
    if (result.error) {
      errors.textContent = result.error.message || String(result.error);
      errors.hidden = false;
      button.disabled = false;
      button.removeAttribute("aria-busy");
      return;
    }
    window.location.assign(form.dataset.returnUrl);
  });
})();
