/**
 * Ready-to-paste examples that use a freshly issued key, and the `.env`
 * file offered for download.
 *
 * @module
 */

/** One example: a tab label and the code. */
export interface CodeSnippet {
  id: 'curl' | 'javascript' | 'python';
  label: string;
  code: string;
}

/** Quotes a value for a single-quoted shell word. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Examples calling `baseUrl` with the key in the `Authorization` header. */
export function codeSnippets(baseUrl: string, secret: string): CodeSnippet[] {
  const url = baseUrl.replace(/\/+$/, '') || '/';
  const js = JSON.stringify;
  return [
    {
      id: 'curl',
      label: 'curl',
      code: `curl ${shellQuote(url)} \\\n  -H ${shellQuote(`Authorization: Bearer ${secret}`)}`,
    },
    {
      id: 'javascript',
      label: 'JavaScript',
      code:
        `const response = await fetch(${js(url)}, {\n` +
        `  headers: { Authorization: ${js(`Bearer ${secret}`)} },\n` +
        `});\n` +
        `console.log(await response.json());`,
    },
    {
      id: 'python',
      label: 'Python',
      code:
        `import requests\n\n` +
        `response = requests.get(\n` +
        `    ${js(url)},\n` +
        `    headers={"Authorization": ${js(`Bearer ${secret}`)}},\n` +
        `)\n` +
        `print(response.json())`,
    },
  ];
}

/** Contents of a `.env` file holding the key. */
export function envFile(secret: string, envVar = 'KEYGATE_API_KEY'): string {
  return `${envVar}=${secret}\n`;
}
