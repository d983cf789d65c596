/* global Stripe */
/*
 * Test only: in no asset bundle. The Chromium tours of the autopay opt-in
 * load it right after localstripe's fake Stripe.js
 * (<localstripe>/js.stripe.com/v3/), in place of https://js.stripe.com/v3/
 * (the test points the template payment_stripe.sdk_assets at both, inside
 * its own transaction).
 *
 * localstripe fakes Stripe.js's old Card Element API (confirmCardSetup,
 * confirmSepaDebitSetup); Odoo 18's payment_stripe uses the Payment Element
 * API. This adds the part of it payment_stripe calls, on top of localstripe:
 *
 *   Stripe(publishableKey, options).elements({mode, paymentMethodTypes, ...})
 *   elements.create("payment", {defaultValues}) -> element.mount(node), .on(event, handler)
 *   elements.update(options), elements.submit()
 *   stripe.confirmSetup({elements, clientSecret, confirmParams: {return_url}})
 *
 * The element is a few plain inputs (card number, expiry and CVC, or an
 * IBAN); confirmSetup hands what was typed to localstripe's own
 * confirmCardSetup / confirmSepaDebitSetup (the same REST calls with the
 * publishable key, the same 3-D Secure dialog), then leaves for return_url
 * with the SetupIntent in the query, as Stripe.js does.
 *
 * confirmPayment (paying with a new card) answers an error: localstripe
 * confirms a PaymentIntent only with the secret key, which a browser never
 * holds.
 */

// localstripe-v3.js declares a top-level `class Element`, which shadows the
// DOM's Element for every classic script of the page (Bootstrap's dropdowns
// call Element.prototype.querySelectorAll on each click and break). A class
// declaration is a mutable global binding: give the name back to the DOM.
// localstripe only uses its class in the Card Element API replaced below.
// eslint-disable-next-line no-global-assign, no-class-assign
Element = window.Element;

(function () {
    "use strict";

    const localStripe = window.Stripe;
    if (typeof localStripe !== "function") {
        throw new Error("localstripe_payment_element.js: load localstripe's js.stripe.com/v3/ first");
    }

    const FIELDS = {
        card: [
            ["number", "Card number", "4242 4242 4242 4242"],
            ["expiry", "Expiration date", "MM / YY"],
            ["cvc", "Security code", "CVC"],
        ],
        sepa_debit: [["iban", "IBAN", "FR14 2004 1010 0505 0001 3M02 606"]],
    };

    function error(message, code) {
        return { error: { type: "validation_error", code, message } };
    }

    class PaymentElement {
        constructor(group, options) {
            this.group = group;
            this.options = options || {};
            this.listeners = {};
            this.inputs = {};
            this.node = null;
        }

        get type() {
            return this.group.type;
        }

        mount(target) {
            const parent = typeof target === "string" ? document.querySelector(target) : target;
            if (!FIELDS[this.type]) {
                this._emit("loaderror", {
                    elementType: "payment",
                    error: { type: "invalid_request_error", message: `localstripe cannot save ${this.type}` },
                });
                return;
            }
            this.node = document.createElement("div");
            this.node.className = `o_localstripe_payment_element o_localstripe_${this.type}`;
            const label = document.createElement("small");
            label.className = "text-muted";
            label.textContent = "localstripe";
            this.node.appendChild(label);
            for (const [name, text, placeholder] of FIELDS[this.type]) {
                const input = document.createElement("input");
                input.type = "text";
                input.name = `localstripe_${name}`;
                input.className = "form-control mb-1";
                input.placeholder = placeholder;
                input.setAttribute("aria-label", text);
                input.autocomplete = "off";
                input.addEventListener("input", () => this._emit("change", this._state()));
                this.inputs[name] = input;
                this.node.appendChild(input);
            }
            parent.appendChild(this.node);
            this._emit("ready", { elementType: "payment" });
        }

        unmount() {
            this.node?.remove();
            this.node = null;
            this.inputs = {};
        }

        destroy() {
            this.unmount();
            this.group.element = null;
        }

        update(options) {
            Object.assign(this.options, options);
        }

        focus() {
            Object.values(this.inputs)[0]?.focus();
        }

        on(event, handler) {
            (this.listeners[event] ||= []).push(handler);
            return this;
        }

        off(event, handler) {
            this.listeners[event] = (this.listeners[event] || []).filter((h) => h !== handler);
            return this;
        }

        _emit(event, payload) {
            for (const handler of this.listeners[event] || []) {
                handler(payload);
            }
        }

        _value(name) {
            return (this.inputs[name]?.value || "").replace(/\s+/g, "");
        }

        _state() {
            const empty = Object.keys(this.inputs).every((name) => !this._value(name));
            return { elementType: "payment", empty, complete: !this._details().error, value: { type: this.type } };
        }

        /** What was typed, as localstripe's confirm*Setup take it, or an error. */
        _details() {
            const billing_details = this.options.defaultValues?.billingDetails || {};
            if (this.type === "sepa_debit") {
                const iban = this._value("iban").toUpperCase();
                if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) {
                    return error("Your IBAN is incomplete.", "incomplete_iban");
                }
                return { payment_method: { sepa_debit: { iban }, billing_details } };
            }
            const number = this._value("number");
            const expiry = this._value("expiry").match(/^(\d{1,2})\/(\d{2}|\d{4})$/);
            const cvc = this._value("cvc");
            if (!/^\d{16}$/.test(number)) {
                return error("Your card number is incomplete.", "incomplete_number");
            }
            if (!expiry) {
                return error("Your card's expiration date is incomplete.", "incomplete_expiry");
            }
            if (!/^\d{3}$/.test(cvc)) {
                return error("Your card's security code is incomplete.", "incomplete_cvc");
            }
            const year = expiry[2].length === 2 ? `20${expiry[2]}` : expiry[2];
            return {
                payment_method: { card: { number, exp_month: expiry[1], exp_year: year, cvc }, billing_details },
            };
        }
    }

    class Elements {
        constructor(options) {
            this.options = { ...options };
            this.element = null;
        }

        get type() {
            return (this.options.paymentMethodTypes || ["card"])[0];
        }

        create(type, options) {
            if (type !== "payment") {
                throw new Error(`localstripe_payment_element.js: only the Payment Element, not "${type}"`);
            }
            if (this.element) {
                throw new Error("Can only create one Element of type payment.");
            }
            this.element = new PaymentElement(this, options);
            return this.element;
        }

        getElement(type) {
            return type === "payment" ? this.element : null;
        }

        update(options) {
            Object.assign(this.options, options);
        }

        /** Stripe.js resolves {error} when the details are incomplete, else {}. */
        async submit() {
            if (!this.element?.node) {
                return error("The Payment Element is not mounted.", "element_not_mounted");
            }
            const details = this.element._details();
            return details.error ? details : {};
        }
    }

    function returnUrl(url, setupIntent) {
        const target = new URL(url, window.location.href);
        target.searchParams.set("setup_intent", setupIntent.id);
        target.searchParams.set("setup_intent_client_secret", setupIntent.client_secret);
        target.searchParams.set("redirect_status", setupIntent.status);
        return target.href;
    }

    window.Stripe = function (publishableKey, options) {
        const stripe = localStripe(publishableKey, options);
        return Object.assign(stripe, {
            elements(elementsOptions) {
                return new Elements(elementsOptions);
            },

            async confirmSetup({ elements, clientSecret, confirmParams, redirect }) {
                const details = elements?.element?._details();
                if (!details || details.error) {
                    return details || error("No Payment Element to confirm.", "element_not_mounted");
                }
                const confirm = elements.type === "sepa_debit" ? stripe.confirmSepaDebitSetup : stripe.confirmCardSetup;
                const result = await confirm(clientSecret, details);
                if (result.error) {
                    return { error: result.error };
                }
                if (redirect === "if_required") {
                    return { setupIntent: result.setupIntent };
                }
                window.location.assign(returnUrl(confirmParams.return_url, result.setupIntent));
                return new Promise(() => {}); // the page is leaving, as with Stripe.js
            },

            async confirmPayment() {
                return error(
                    "localstripe confirms a PaymentIntent only with the secret key: pay with a saved method.",
                    "localstripe_unsupported"
                );
            },
        });
    };
    window.Stripe.localstripe = true;
})();
