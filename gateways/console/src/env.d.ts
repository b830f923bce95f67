// Vite's asset imports, as far as the console uses them.
declare module '*.css' {}
