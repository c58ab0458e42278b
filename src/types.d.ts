// Files imported `with { type: "text" }` arrive as their text: the migrations, and the CSS, icons
// and scripts the pages use. `bun build --compile` embeds them in the executable.
declare module "*.sql" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.svg" {
  const text: string;
  export default text;
}
declare module "htmx.org/dist/htmx.min.js" {
  const text: string;
  export default text;
}
declare module "*/static/app.js" {
  const text: string;
  export default text;
}
