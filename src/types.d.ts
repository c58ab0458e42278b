// Files imported `with { type: "text" }` arrive as their text.
declare module "*.sql" {
  const text: string;
  export default text;
}

// Files imported `with { type: "file" }` arrive as a path that works from source and inside
// the compiled executable.
declare module "*.css" {
  const path: string;
  export default path;
}
declare module "*.svg" {
  const path: string;
  export default path;
}
declare module "htmx.org/dist/htmx.min.js" {
  const path: string;
  export default path;
}
declare module "*/static/app.js" {
  const path: string;
  export default path;
}
