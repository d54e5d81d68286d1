/** Every method the DAV router answers (methods/index.ts holds their handlers). */
export const METHOD_NAMES = ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', 'PROPFIND', 'PROPPATCH', 'MKCALENDAR', 'MKCOL', 'COPY', 'MOVE', 'REPORT'] as const;
