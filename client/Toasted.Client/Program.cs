System.Console.WriteLine("toast");
