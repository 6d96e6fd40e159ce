import './reflect-shim.js';
import * as x509 from '@peculiar/x509';

/** @peculiar/x509 with its Reflect polyfill loaded first. Pass Node's `webcrypto` to the calls that take one. */
export { x509 };
