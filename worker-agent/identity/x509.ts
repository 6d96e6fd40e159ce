import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

/** @peculiar/x509, with the Reflect metadata polyfill it needs loaded first. Pass Node's `webcrypto` to the calls that take one. */
export { x509 };
