import type { CombinedError } from 'urql';
import { formatMoney } from './money';

/** What went wrong, for people, from an error the router answered (or a request that never got there). */
export interface Problem {
  /** The server's extensions.code, or NETWORK_ERROR when no answer came. */
  code: string;
  message: string;
  /**
   * The input at fault, named as the server names it (extensions.field): "userId", "items[0].quantity".
   * A problem with a field is worded to be shown next to that field.
   */
  field?: string;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1) + (/[.!?]$/.test(trimmed) ? '' : '.');
}

/** For an answer that has data and errors: a service did not answer for part of it. */
export const PARTIAL_ANSWER: Problem = {
  code: 'PARTIAL_ANSWER',
  message: 'Part of this could not be loaded right now and shows as unknown. Please try again in a moment.',
};

function minutesFrom(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? 'a minute' : `${minutes} minutes`;
}

/** What each service gives, as people know it: a subgraph failure names its service (extensions.serviceName). */
const SERVICE_GIVES: Record<string, string> = { users: 'Customer details', orders: 'Orders', payments: 'Payments' };

/** `currency` formats the amounts some errors carry (AMOUNT_EXCEEDS_DUE's amountDue). */
export function describeError(error: CombinedError, currency = 'EUR'): Problem {
  const first = error.graphQLErrors[0];
  if (!first) {
    return { code: 'NETWORK_ERROR', message: 'The shop could not be reached. Check your connection and try again.' };
  }
  const { code = 'UNKNOWN', field, amountDue, retryAfter = 0, serviceName = '' } = first.extensions as {
    code?: string;
    field?: string;
    amountDue?: string;
    retryAfter?: number;
    serviceName?: string;
  };
  const service = SERVICE_GIVES[serviceName] ?? 'Part of the shop';
  switch (code) {
    case 'USER_NOT_FOUND':
      return { code, field: 'userId', message: 'There is no customer with this ID. Pick one from the list.' };
    case 'BAD_USER_INPUT':
      // The server's message names the rule broken ("quantity must be between 1 and 10000"):
      // next to its field it says enough; without one it needs to say what is to be checked.
      return { code, field, message: field ? sentence(first.message) : `Please check your input: ${first.message}` };
    case 'AMOUNT_EXCEEDS_DUE':
      return {
        code,
        field: 'amount',
        message: amountDue
          ? `That is more than the ${formatMoney(amountDue, currency)} still due on this order.`
          : 'That is more than what is still due on this order.',
      };
    case 'ORDER_NOT_FOUND':
      return { code, message: 'This order does not exist.' };
    case 'ORDER_NOT_PAYABLE':
      return { code, message: 'This order was cancelled, so it cannot be paid.' };
    case 'IDEMPOTENCY_KEY_REUSED':
      return { code, message: 'This clashed with an earlier, different payment or order and was not made. Please try again.' };
    case 'INVALID_CREDENTIALS':
      return { code, message: 'Wrong username or password.' };
    case 'TOO_MANY_LOGIN_ATTEMPTS':
      return { code, message: `Too many failed logins for this username. Please try again in ${minutesFrom(retryAfter)}.` };
    case 'UNAUTHENTICATED':
      return { code, message: 'Your session has ended. Please log in again.' };
    case 'FORBIDDEN':
      return { code, message: 'This belongs to another customer: only they and staff may see or change it.' };
    case 'DEPENDENCY_UNAVAILABLE':
      return { code, message: 'A service needed for this is not answering right now, and nothing was changed. Please try again in a moment.' };
    // A service down or slow: its part of the answer is missing. A write sent again is safe: it
    // goes with the same idempotency key, so what may have been done is not done twice.
    case 'SUBREQUEST_HTTP_ERROR':
    case 'DOWNSTREAM_SERVICE_ERROR':
      return { code, message: `${service} cannot be reached right now. Please try again in a moment.` };
    case 'GATEWAY_TIMEOUT':
      return { code, message: `${service} took too long to answer. Please try again.` };
    case 'INTERNAL_SERVER_ERROR':
      return { code, message: 'Something went wrong on our side. Please try again; if it keeps happening, contact support.' };
    default:
      return { code, message: `Something went wrong: ${first.message}` };
  }
}
