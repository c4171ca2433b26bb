/** An HTTP token (RFC 9110 §5.6.2): method names and header field names. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
