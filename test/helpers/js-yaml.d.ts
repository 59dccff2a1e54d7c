declare module 'js-yaml';
