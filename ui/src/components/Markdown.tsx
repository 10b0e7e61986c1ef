import MarkdownIt from 'markdown-it';
import { useMemo } from 'preact/hooks';

import { toast } from '../store';

// Guidance is Markdown from templates, which users import: raw HTML in it is
// escaped (html: false), and markdown-it refuses javascript:, vbscript:,
// file: and data: links. The CSP forbids inline scripts as a second guard.
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

/** Safe Markdown. Links never navigate the app; clicking copies the URL. */
export function Markdown({ text, class: cls }: { text: string; class?: string }) {
  const html = useMemo(() => md.render(text), [text]);
  const onClick = (e: MouseEvent) => {
    const a = (e.target as HTMLElement).closest('a');
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute('href') ?? '';
    navigator.clipboard?.writeText(href).then(
      () => toast(`Link copied: ${href}`),
      () => toast(`Link: ${href}`),
    );
  };
  return <div class={`markdown ${cls ?? ''}`} onClick={onClick} dangerouslySetInnerHTML={{ __html: html }} />;
}
