import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { signOut } from "~/server/session.server";

// Signing out is a POST (a link could be triggered by any page); a GET just goes home.
export const loader = () => redirect("/");
export const action = ({ request }: ActionFunctionArgs) => signOut(request);
