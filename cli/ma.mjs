// The package this CLI ships with (its Node entry).
export * from '../index.node.js';
